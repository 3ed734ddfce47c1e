"""Prints a saved mail (one Maildir file) as JSON: subject, text body, attachment name and
content, decoded — so the Rust test checks what a reader sees, not the transfer encoding."""
import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
text = msg.get_body(preferencelist=("plain",)).get_content()
attachments = [
    {"name": part.get_filename(), "content": part.get_content()
     if isinstance(part.get_content(), str) else part.get_content().decode("utf-8")}
    for part in msg.iter_attachments()
]
print(json.dumps({"subject": str(msg["subject"]), "to": str(msg["to"]), "text": text,
                  "attachments": attachments}))
