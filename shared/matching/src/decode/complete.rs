//! Does the image data end where its format says it does? An independent check of the
//! container after decoding, because decoders are lenient by design: they render what they
//! can of a cut or damaged file (grey or repeated rows), and such a picture still hashes and
//! can match. Here a file that stops early or whose checksums fail is an error with a reason.
//!
//! Written by hand: the decoders do not expose whether they saw the end of the data (the
//! `image` crate reads a PNG only up to its last image data chunk, a GIF only up to its first
//! frame, a WebP only to its image chunk), and no maintained crate walks the containers for
//! this alone. The walks read structure only (segment lengths, chunk sizes, block sizes),
//! never pixels, so they cost a pass over the bytes.

use image::ImageFormat;

use super::ImageError;

/// Checks that `bytes`, a `format` image that decoded, is whole: JPEG segments and scans
/// run to an EOI marker; PNG chunks each fit, have good CRCs and run to IEND; GIF blocks run
/// to the trailer; a WebP's RIFF size fits the file and its chunks fit the RIFF.
pub(crate) fn check_complete(bytes: &[u8], format: ImageFormat) -> Result<(), ImageError> {
    let result = match format {
        ImageFormat::Jpeg => jpeg(bytes),
        ImageFormat::Png => png(bytes),
        ImageFormat::Gif => gif(bytes),
        ImageFormat::WebP => webp(bytes),
        _ => Ok(()),
    };
    result.map_err(|problem| {
        let name = format.extensions_str().first().copied().unwrap_or("image");
        ImageError::Undecodable(match problem {
            Problem::Truncated(what) => format!("{name} data is truncated: {what}"),
            Problem::Corrupt(what) => format!("{name} data is corrupt: {what}"),
        })
    })
}

enum Problem {
    Truncated(String),
    Corrupt(String),
}

fn be16(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *bytes.get(at)?,
        *bytes.get(at + 1)?,
    ])))
}

fn u32_at(bytes: &[u8], at: usize, big_endian: bool) -> Option<usize> {
    let four: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    let value = if big_endian {
        u32::from_be_bytes(four)
    } else {
        u32::from_le_bytes(four)
    };
    usize::try_from(value).ok()
}

const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

/// SOI, then marker segments; after each SOS its entropy-coded data (where 0xFF is followed
/// by 0x00 stuffing or an RSTn marker), up to the next marker; finally EOI. Bytes after EOI
/// (some cameras append a second image or padding) are allowed.
fn jpeg(bytes: &[u8]) -> Result<(), Problem> {
    if bytes.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(Problem::Corrupt("does not start with an SOI marker".into()));
    }
    let mut at = 2;
    let mut scans = 0usize;
    loop {
        match bytes.get(at) {
            None => {
                return Err(Problem::Truncated(format!(
                    "ends after {scans} scan(s) without an EOI marker"
                )));
            }
            Some(0xFF) => {}
            Some(other) => {
                return Err(Problem::Corrupt(format!(
                    "byte {other:#04x} at offset {at} where a marker should start"
                )));
            }
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at) else {
            return Err(Problem::Truncated("ends inside a marker".into()));
        };
        at += 1;
        match marker {
            EOI if scans == 0 => {
                return Err(Problem::Corrupt("EOI marker before any scan".into()));
            }
            EOI => return Ok(()),
            // Stand-alone markers: no length.
            0x01 | 0xD0..=0xD7 => continue,
            0x00 => {
                return Err(Problem::Corrupt(format!(
                    "stuffed byte outside scan data at offset {at}"
                )));
            }
            _ => {}
        }
        let Some(length) = be16(bytes, at) else {
            return Err(Problem::Truncated(format!(
                "ends inside the length of marker {marker:#04x}"
            )));
        };
        if length < 2 {
            return Err(Problem::Corrupt(format!(
                "marker {marker:#04x} has length {length}"
            )));
        }
        if at + length > bytes.len() {
            return Err(Problem::Truncated(format!(
                "marker {marker:#04x}'s segment needs {length} bytes, {} are left",
                bytes.len() - at
            )));
        }
        at += length;
        if marker == SOS {
            scans += 1;
            at = scan_end(bytes, at).ok_or_else(|| {
                Problem::Truncated(format!(
                    "scan {scans}'s data ends without a marker after it (no EOI)"
                ))
            })?;
        }
    }
}

/// The offset of the marker that ends the entropy-coded data starting at `at`, if any.
fn scan_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at += bytes.get(at..)?.iter().position(|&b| b == 0xFF)?;
        match bytes.get(at + 1)? {
            // Stuffed 0xFF, or a restart marker inside the scan.
            0x00 | 0xD0..=0xD7 => at += 2,
            // More 0xFF: fill before a marker; look again from the next one.
            0xFF => at += 1,
            _ => return Some(at),
        }
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The signature, then chunks (length, type, data, CRC of type and data) up to IEND.
fn png(bytes: &[u8]) -> Result<(), Problem> {
    if bytes.get(..8) != Some(&PNG_SIGNATURE) {
        return Err(Problem::Corrupt("bad signature".into()));
    }
    let mut at = 8;
    loop {
        let Some(length) = u32_at(bytes, at, true) else {
            return Err(Problem::Truncated("ends before its IEND chunk".into()));
        };
        let Some(kind) = bytes.get(at + 4..at + 8) else {
            return Err(Problem::Truncated("ends inside a chunk header".into()));
        };
        let shown = String::from_utf8_lossy(kind).into_owned();
        let end = at + 8 + length;
        let Some(stored) = u32_at(bytes, end, true) else {
            return Err(Problem::Truncated(format!(
                "chunk {shown} needs {length} bytes and its CRC, {} are left",
                bytes.len().saturating_sub(at + 8)
            )));
        };
        let crc = crc32fast::hash(&bytes[at + 4..end]);
        if usize::try_from(crc).ok() != Some(stored) {
            return Err(Problem::Corrupt(format!(
                "chunk {shown} at offset {at} fails its CRC"
            )));
        }
        if kind == b"IEND" {
            return Ok(());
        }
        at = end + 4;
    }
}

/// Header and screen descriptor (with its colour table), then extension and image blocks,
/// each a chain of sub-blocks, up to the 0x3B trailer.
fn gif(bytes: &[u8]) -> Result<(), Problem> {
    let truncated = || Problem::Truncated("ends before its trailer".into());
    let Some(&screen_flags) = bytes.get(10) else {
        return Err(truncated());
    };
    let mut at = 13 + colour_table_len(screen_flags);
    loop {
        match bytes.get(at) {
            None => return Err(truncated()),
            Some(0x3B) => return Ok(()),
            Some(0x21) => {
                // Extension: introducer, label, sub-blocks.
                at = sub_blocks_end(bytes, at + 2).ok_or_else(truncated)?;
            }
            Some(0x2C) => {
                // Image: descriptor (10 bytes with the separator), optional local colour
                // table, the LZW minimum code size, sub-blocks.
                let Some(&flags) = bytes.get(at + 9) else {
                    return Err(truncated());
                };
                let data = at + 10 + colour_table_len(flags) + 1;
                at = sub_blocks_end(bytes, data).ok_or_else(truncated)?;
            }
            Some(other) => {
                return Err(Problem::Corrupt(format!(
                    "byte {other:#04x} at offset {at} where a block should start"
                )));
            }
        }
    }
}

fn colour_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    }
}

/// The offset after the chain of sub-blocks at `at` (each a length byte and that many
/// bytes, ended by a zero length), if the chain ends within `bytes`.
fn sub_blocks_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let size = usize::from(*bytes.get(at)?);
        at += 1;
        if size == 0 {
            return Some(at);
        }
        at += size;
    }
}

/// "RIFF", the size of what follows, "WEBP", then chunks (four-character code, size, data
/// padded to even), which must fill the RIFF exactly.
fn webp(bytes: &[u8]) -> Result<(), Problem> {
    if bytes.get(..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WEBP") {
        return Err(Problem::Corrupt("bad RIFF header".into()));
    }
    let Some(size) = u32_at(bytes, 4, false) else {
        return Err(Problem::Truncated("ends inside the RIFF header".into()));
    };
    let riff_end = 8 + size;
    if riff_end > bytes.len() {
        return Err(Problem::Truncated(format!(
            "the RIFF header says {riff_end} bytes, the file has {}",
            bytes.len()
        )));
    }
    let mut at = 12;
    while at < riff_end {
        let Some(length) = u32_at(bytes, at + 4, false) else {
            return Err(Problem::Truncated("ends inside a chunk header".into()));
        };
        let end = at + 8 + length + (length & 1);
        if end > riff_end {
            return Err(Problem::Truncated(format!(
                "chunk {} needs {length} bytes past the end of the RIFF",
                String::from_utf8_lossy(bytes.get(at..at + 4).unwrap_or_default())
            )));
        }
        at = end;
    }
    if at == 12 {
        return Err(Problem::Corrupt("the RIFF holds no chunk".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{DynamicImage, RgbImage};

    use super::*;

    fn encoded(format: ImageFormat) -> Vec<u8> {
        let picture = RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut Cursor::new(&mut out), format)
            .expect("encode");
        out
    }

    #[test]
    fn whole_files_pass_and_every_cut_is_reported() {
        for format in [
            ImageFormat::Jpeg,
            ImageFormat::Png,
            ImageFormat::Gif,
            ImageFormat::WebP,
        ] {
            let bytes = encoded(format);
            assert!(
                check_complete(&bytes, format).is_ok(),
                "{format:?} whole file refused"
            );
            for cut in 1..bytes.len() {
                let err = check_complete(&bytes[..cut], format).expect_err(&format!(
                    "{format:?} cut at {cut} of {} passed",
                    bytes.len()
                ));
                let ImageError::Undecodable(reason) = err else {
                    panic!("not Undecodable");
                };
                assert!(
                    reason.contains("truncated") || reason.contains("corrupt"),
                    "{reason}"
                );
            }
        }
    }

    #[test]
    fn a_png_with_a_flipped_bit_fails_its_crc() {
        let mut bytes = encoded(ImageFormat::Png);
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x10;
        let err = check_complete(&bytes, ImageFormat::Png).unwrap_err();
        assert!(err.to_string().contains("fails its CRC"), "{err}");
    }

    #[test]
    fn bytes_after_a_jpeg_eoi_are_allowed() {
        let mut bytes = encoded(ImageFormat::Jpeg);
        bytes.extend_from_slice(b"trailing padding");
        assert!(check_complete(&bytes, ImageFormat::Jpeg).is_ok());
    }
}
