//! The newest glibc symbol version an executable needs, read from its ELF version-needs
//! table (`.gnu.version_r`): the exact requirement, unlike the glibc of the building machine.
//!
//! Only 64-bit little-endian ELF is read (x86_64 and aarch64, the platforms Station ships
//! for); anything else gives `None`.

use super::platform::GlibcVersion;

const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?)).ok()
}

/// A section's file offset, size, link and info fields.
struct Section {
    kind: u32,
    offset: usize,
    size: usize,
    link: usize,
    info: usize,
}

fn section(bytes: &[u8], table: usize, entry_size: usize, index: usize) -> Option<Section> {
    let at = table.checked_add(index.checked_mul(entry_size)?)?;
    Some(Section {
        kind: u32_at(bytes, at + 4)?,
        offset: u64_at(bytes, at + 24)?,
        size: u64_at(bytes, at + 32)?,
        link: u32_at(bytes, at + 40)? as usize,
        info: u32_at(bytes, at + 44)? as usize,
    })
}

/// The newest `GLIBC_2.N` version needed by the executable in `bytes`; `None` for a static
/// binary or one that is not 64-bit little-endian ELF.
pub fn newest_glibc_needed(bytes: &[u8]) -> Option<GlibcVersion> {
    // Magic, 64-bit, little-endian.
    if bytes.get(0..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let table = u64_at(bytes, 0x28)?;
    let entry_size = usize::from(u16_at(bytes, 0x3a)?);
    let count = usize::from(u16_at(bytes, 0x3c)?);
    let needs = (0..count)
        .filter_map(|index| section(bytes, table, entry_size, index))
        .find(|section| section.kind == SHT_GNU_VERNEED)?;
    let strings = section(bytes, table, entry_size, needs.link)?;
    let strings = bytes.get(strings.offset..strings.offset.checked_add(strings.size)?)?;
    let mut newest = None;
    let mut entry = needs.offset;
    for _ in 0..needs.info {
        let aux_count = u16_at(bytes, entry + 2)?;
        let mut aux = entry + u32_at(bytes, entry + 8)? as usize;
        for _ in 0..aux_count {
            let name_at = u32_at(bytes, aux + 8)? as usize;
            let name = strings.get(name_at..)?;
            let name = &name[..name.iter().position(|b| *b == 0)?];
            let version = std::str::from_utf8(name)
                .ok()
                .and_then(|name| name.strip_prefix("GLIBC_"))
                .and_then(parse_version);
            newest = newest.max(version);
            aux += u32_at(bytes, aux + 12)? as usize;
        }
        entry += u32_at(bytes, entry + 12)? as usize;
    }
    newest
}

/// `2.34` (but not `PRIVATE`).
fn parse_version(text: &str) -> Option<GlibcVersion> {
    let (major, minor) = text.split_once('.')?;
    let minor = minor.split('.').next()?;
    Some(GlibcVersion {
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_binaries_need_a_plausible_glibc() {
        let bytes = std::fs::read("/bin/sh").unwrap();
        let needed = newest_glibc_needed(&bytes).expect("/bin/sh links glibc here");
        assert_eq!(needed.major, 2);
        assert!(needed.minor >= 2, "{needed}");
    }

    #[test]
    fn not_elf_gives_nothing() {
        assert_eq!(newest_glibc_needed(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(newest_glibc_needed(b"\x7fELF\x02\x01\x01"), None);
    }

    #[test]
    fn versions_parse() {
        assert_eq!(
            parse_version("2.34"),
            Some(GlibcVersion {
                major: 2,
                minor: 34
            })
        );
        assert_eq!(
            parse_version("2.2.5"),
            Some(GlibcVersion { major: 2, minor: 2 })
        );
        assert_eq!(parse_version("PRIVATE"), None);
    }
}
