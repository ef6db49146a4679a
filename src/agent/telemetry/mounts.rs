//! `/proc/self/mountinfo`: the mount table, and which of its entries are real disks.

use std::collections::HashMap;

/// A block device number, `(major, minor)`.
pub(crate) type DeviceNumber = (u32, u32);

/// One line of `/proc/self/mountinfo`, escapes decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// The `major:minor` of the filesystem (anonymous `0:N` for overlay, btrfs, zfs, …).
    pub(crate) device: DeviceNumber,
    /// The directory of the filesystem that is mounted here (`/` unless a bind mount).
    pub(crate) root: String,
    pub(crate) mount_point: String,
    pub(crate) fs_type: String,
    /// What was mounted: `/dev/nvme0n1p2`, `overlay`, `rpool/ROOT/debian`, …
    pub(crate) source: String,
}

/// Decodes the octal escapes the kernel writes for space, tab, newline and backslash
/// (`\040`, `\011`, `\012`, `\134`); anything else is kept as written.
pub(crate) fn unescape(field: &str) -> String {
    if !field.contains('\\') {
        return field.to_owned();
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let octal = bytes.get(index + 1..index + 4).filter(|digits| {
            bytes[index] == b'\\' && digits.iter().all(|d| (b'0'..=b'7').contains(d))
        });
        match octal {
            Some(digits) => {
                let value = digits
                    .iter()
                    .fold(0u32, |value, digit| value * 8 + u32::from(digit - b'0'));
                out.push(u8::try_from(value).unwrap_or(b'?'));
                index += 4;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses one mountinfo line:
/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
pub(crate) fn parse_line(line: &str) -> Option<Mount> {
    let (before, after) = line.split_once(" - ")?;
    let mut left = before.split(' ');
    let _id = left.next()?;
    let _parent = left.next()?;
    let (major, minor) = left.next()?.split_once(':')?;
    let root = left.next()?;
    let mount_point = left.next()?;
    let mut right = after.split(' ');
    let fs_type = right.next().filter(|t| !t.is_empty())?;
    let source = right.next().unwrap_or("");
    Some(Mount {
        device: (major.parse().ok()?, minor.parse().ok()?),
        root: unescape(root),
        mount_point: unescape(mount_point),
        fs_type: unescape(fs_type),
        source: unescape(source),
    })
}

/// Parses a whole mountinfo file, skipping lines it cannot read.
pub(crate) fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_line).collect()
}

/// Whether a mount can be one of the disks we list: a block device under `/dev` (not a loop
/// device), or a root filesystem that has no single device (overlay in a container, zfs, btrfs).
fn is_candidate(mount: &Mount) -> bool {
    let block_device = mount.source.starts_with("/dev/") && !mount.source.starts_with("/dev/loop");
    let pooled_root =
        mount.mount_point == "/" && matches!(mount.fs_type.as_str(), "overlay" | "zfs" | "btrfs");
    block_device || pooled_root
}

/// The real disks of a mount table, one mount per device, sorted by mount point.
///
/// `device_of` names the device behind a mount (the block device's own number, so that btrfs
/// subvolumes of one disk collapse); `is_file` tells bind mounts of single files (a container's
/// `/etc/hosts`), which are never listed. Among the mounts of one device, a mount of the whole
/// filesystem (`root` = `/`) wins over bind mounts, then the shortest mount point.
pub(crate) fn real_disks(
    mounts: &[Mount],
    device_of: impl Fn(&Mount) -> DeviceNumber,
    is_file: impl Fn(&str) -> bool,
) -> Vec<(&Mount, DeviceNumber)> {
    let mut best: HashMap<DeviceNumber, &Mount> = HashMap::new();
    for mount in mounts.iter().filter(|m| is_candidate(m)) {
        let device = device_of(mount);
        let better = |current: &Mount| {
            let rank = |m: &Mount| (m.root != "/", m.mount_point.len());
            rank(mount) < rank(current)
        };
        match best.get(&device) {
            Some(current) if !better(current) => {}
            _ => {
                if !is_file(&mount.mount_point) {
                    best.insert(device, mount);
                }
            }
        }
    }
    let mut disks: Vec<(&Mount, DeviceNumber)> = best
        .into_iter()
        .map(|(device, mount)| (mount, device))
        .collect();
    disks.sort_by(|a, b| a.0.mount_point.cmp(&b.0.mount_point));
    disks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(device: DeviceNumber, root: &str, point: &str, fs: &str, source: &str) -> Mount {
        Mount {
            device,
            root: root.to_owned(),
            mount_point: point.to_owned(),
            fs_type: fs.to_owned(),
            source: source.to_owned(),
        }
    }

    #[test]
    fn parses_a_line_with_optional_fields() {
        let line = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue";
        assert_eq!(
            parse_line(line),
            Some(mount((98, 0), "/mnt1", "/mnt2", "ext3", "/dev/root"))
        );
    }

    #[test]
    fn parses_a_line_without_optional_fields() {
        let line = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard";
        assert_eq!(
            parse_line(line),
            Some(mount((254, 0), "/", "/", "ext4", "/dev/vda"))
        );
    }

    #[test]
    fn decodes_escapes() {
        let line = r"40 27 8:17 / /media/my\040disk\011x rw - vfat /dev/sdb1 rw";
        let parsed = parse_line(line).expect("parsed");
        assert_eq!(parsed.mount_point, "/media/my disk\tx");
        assert_eq!(unescape(r"a\134b"), r"a\b");
        assert_eq!(unescape(r"new\012line"), "new\nline");
        // Not an escape: kept as written.
        assert_eq!(unescape(r"a\9b\04"), r"a\9b\04");
        assert_eq!(unescape(r"end\"), r"end\");
    }

    #[test]
    fn rejects_broken_lines() {
        assert_eq!(parse_line(""), None);
        assert_eq!(parse_line("27 1 254:0 / / rw,relatime"), None);
        assert_eq!(parse_line("27 1 2540 / / rw - ext4 /dev/vda rw"), None);
        assert_eq!(parse_line("27 1 x:0 / / rw - ext4 /dev/vda rw"), None);
        assert_eq!(parse_line("27 1 8:0 / / rw - "), None);
        // A missing source is tolerated.
        assert_eq!(
            parse_line("27 1 8:0 / /x rw - ext4").map(|m| m.source),
            Some(String::new())
        );
        assert_eq!(
            parse_mountinfo("garbage\n27 1 8:0 / / rw - ext4 /dev/sda rw\n").len(),
            1
        );
    }

    #[test]
    fn picks_real_disks_once_each() {
        let mounts = vec![
            mount((0, 21), "/", "/proc", "proc", "proc"),
            mount((254, 0), "/", "/", "ext4", "/dev/vda"),
            mount((0, 25), "/", "/dev/shm", "tmpfs", "tmpfs"),
            mount((7, 0), "/", "/snap/core/1", "squashfs", "/dev/loop0"),
            mount((254, 0), "/home", "/srv/home", "ext4", "/dev/vda"),
            mount((259, 2), "/", "/data", "xfs", "/dev/nvme0n1p2"),
            mount((259, 2), "/", "/mnt/again", "xfs", "/dev/nvme0n1p2"),
            mount((0, 30), "/", "/net", "nfs", "server:/export"),
        ];
        let disks = real_disks(&mounts, |m| m.device, |_| false);
        let points: Vec<&str> = disks.iter().map(|(m, _)| m.mount_point.as_str()).collect();
        assert_eq!(points, vec!["/", "/data"]);
    }

    #[test]
    fn container_root_and_single_file_binds() {
        let mounts = vec![
            mount((0, 50), "/", "/", "overlay", "overlay"),
            mount(
                (8, 1),
                "/var/lib/docker/containers/x/hosts",
                "/etc/hosts",
                "ext4",
                "/dev/sda1",
            ),
            mount(
                (8, 1),
                "/var/lib/docker/volumes/v/_data",
                "/workspace",
                "ext4",
                "/dev/sda1",
            ),
        ];
        let disks = real_disks(&mounts, |m| m.device, |path| path == "/etc/hosts");
        let points: Vec<&str> = disks.iter().map(|(m, _)| m.mount_point.as_str()).collect();
        assert_eq!(points, vec!["/", "/workspace"]);
    }

    #[test]
    fn pooled_roots_but_not_other_pooled_mounts() {
        let mounts = vec![
            mount((0, 40), "/", "/", "zfs", "rpool/ROOT/debian"),
            mount((0, 41), "/", "/tank", "zfs", "tank"),
        ];
        let disks = real_disks(&mounts, |m| m.device, |_| false);
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].0.source, "rpool/ROOT/debian");
    }

    #[test]
    fn btrfs_subvolumes_of_one_device_collapse() {
        let mounts = vec![
            mount((0, 33), "/@", "/", "btrfs", "/dev/nvme0n1p3"),
            mount((0, 33), "/@home", "/home", "btrfs", "/dev/nvme0n1p3"),
        ];
        let disks = real_disks(&mounts, |_| (259, 3), |_| false);
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].0.mount_point, "/");
        assert_eq!(disks[0].1, (259, 3));
    }

    #[test]
    fn real_mountinfo_has_a_root() {
        let text = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        assert!(parse_mountinfo(&text).iter().any(|m| m.mount_point == "/"));
    }
}
