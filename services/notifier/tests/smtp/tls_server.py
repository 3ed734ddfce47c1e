"""An SMTP server on 127.0.0.1 for the e-mail tests: STARTTLS required or implicit TLS, with
AUTH required (only over TLS), saving what it accepts to a Maildir. Written for aiosmtpd 1.4.

    tls_server.py MODE PORT MAILDIR CERT KEY USER [MECHANISM...]

MODE is `starttls` or `implicit`. The password is read from the SMTP_TEST_PASSWORD
environment variable, so it never shows in a process listing. MECHANISM names the only AUTH
mechanisms offered (e.g. LOGIN); default all of aiosmtpd's (PLAIN and LOGIN). Prints
`ready` once it listens and serves until killed."""
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

ALL_MECHANISMS = {"PLAIN", "LOGIN"}

mode, port, maildir, cert, key, user = sys.argv[1:7]
offered = set(m.upper() for m in sys.argv[7:]) or ALL_MECHANISMS
password = os.environ["SMTP_TEST_PASSWORD"]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == user.encode()
        and auth_data.password == password.encode()
    )
    return AuthResult(success=ok, handled=False)


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
smtp_parameters = dict(
    authenticator=authenticator,
    auth_required=True,
    # aiosmtpd counts only a STARTTLS upgrade as TLS: under implicit TLS it would never
    # offer AUTH, though the whole connection is encrypted.
    auth_require_tls=(mode == "starttls"),
    auth_exclude_mechanism=sorted(ALL_MECHANISMS - offered),
)
if mode == "starttls":
    controller = Controller(
        Mailbox(maildir),
        hostname="127.0.0.1",
        port=int(port),
        tls_context=context,
        require_starttls=True,
        **smtp_parameters,
    )
elif mode == "implicit":
    controller = Controller(
        Mailbox(maildir),
        hostname="127.0.0.1",
        port=int(port),
        ssl_context=context,
        **smtp_parameters,
    )
else:
    sys.exit(f"unknown mode {mode!r}")

controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
