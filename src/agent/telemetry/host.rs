//! Facts about the host that do not change while the agent runs, and the two per-tick
//! host values (uptime and load average).

use nix::sys::sysinfo::sysinfo;

use crate::proto::telemetry::HostInfo;

use super::cpu::count_cores;
use super::procfs::{WarnOnce, fields, lines, parse_u64, read_trimmed};

/// What a front end shows for a fact the host would not tell.
pub(crate) const NOT_AVAILABLE: &str = "n/a";

/// Reads hostname, OS, kernel, architecture, CPU model, logical CPUs and boot time.
/// Any source that cannot be read is logged once and shown as "n/a" (or 0).
pub(crate) fn read_host_info() -> HostInfo {
    let hostname = read_trimmed("/proc/sys/kernel/hostname").or_else(|| {
        nix::unistd::gethostname()
            .ok()
            .and_then(|name| name.into_string().ok())
    });
    let os = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| parse_os_release(&text));
    let kernel = read_trimmed("/proc/sys/kernel/osrelease");
    let arch = nix::sys::utsname::uname()
        .ok()
        .and_then(|uts| uts.machine().to_str().map(str::to_owned))
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| parse_cpu_model(&text));
    let stat = std::fs::read("/proc/stat").unwrap_or_default();
    let logical_cpus = count_cores(&stat);
    let boot_time = parse_boot_time(&stat);

    let mut warn = WarnOnce::default();
    let mut known = |value: Option<String>, what: &str| {
        value.unwrap_or_else(|| {
            warn.warn("host info", &format_args!("cannot read the {what}"));
            NOT_AVAILABLE.to_owned()
        })
    };
    HostInfo {
        hostname: known(hostname, "hostname"),
        os: known(os, "OS name (os-release)"),
        kernel: known(kernel, "kernel release"),
        arch,
        cpu_model: known(cpu_model, "CPU model (/proc/cpuinfo)"),
        logical_cpus,
        boot_time: boot_time.unwrap_or(0),
    }
}

/// `PRETTY_NAME` of an os-release file, unquoted; `NAME` when there is no pretty name.
pub(crate) fn parse_os_release(text: &str) -> Option<String> {
    let value = |key: &str| {
        text.lines().find_map(|line| {
            let rest = line.trim().strip_prefix(key)?.strip_prefix('=')?;
            let unquoted = rest
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .or_else(|| rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
                .unwrap_or(rest);
            let unescaped = unquoted.replace("\\\"", "\"").replace("\\\\", "\\");
            (!unescaped.trim().is_empty()).then(|| unescaped.trim().to_owned())
        })
    };
    value("PRETTY_NAME").or_else(|| value("NAME"))
}

/// The CPU model from `/proc/cpuinfo`: `model name` on x86, `Model` or `Hardware` on ARM
/// boards, `cpu` on POWER.
pub(crate) fn parse_cpu_model(text: &str) -> Option<String> {
    ["model name", "Model", "Hardware", "cpu model", "cpu"]
        .iter()
        .find_map(|key| {
            text.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                (name.trim() == *key && !value.trim().is_empty()).then(|| value.trim().to_owned())
            })
        })
}

/// The `btime` line of `/proc/stat`: boot time in seconds since the Unix epoch.
pub(crate) fn parse_boot_time(stat: &[u8]) -> Option<u64> {
    lines(stat).find_map(|line| {
        let mut parts = fields(line);
        (parts.next()? == b"btime").then(|| parts.next().and_then(parse_u64))?
    })
}

/// Uptime and load average, with one `sysinfo(2)` call per tick.
#[derive(Debug, Default)]
pub(crate) struct HostMeter {
    warn: WarnOnce,
}

impl HostMeter {
    /// Seconds since boot and the 1, 5 and 15 minute load averages (zeros when unknown).
    pub(crate) fn sample(&mut self) -> (u64, [f32; 3]) {
        match sysinfo() {
            Ok(info) => {
                let (one, five, fifteen) = info.load_average();
                (
                    info.uptime().as_secs(),
                    [one as f32, five as f32, fifteen as f32],
                )
            }
            Err(error) => {
                self.warn.warn("sysinfo(2)", &error);
                (0, [0.0; 3])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_pretty_name_unquoted() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(
            parse_os_release(text).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn os_release_variants() {
        assert_eq!(
            parse_os_release("PRETTY_NAME='Alpine Linux v3.19'\n").as_deref(),
            Some("Alpine Linux v3.19")
        );
        assert_eq!(
            parse_os_release("PRETTY_NAME=Arch\n").as_deref(),
            Some("Arch")
        );
        assert_eq!(
            parse_os_release("NAME=\"Fedora\"\nPRETTY_NAME=\"\"\n").as_deref(),
            Some("Fedora")
        );
        assert_eq!(
            parse_os_release("PRETTY_NAME=\"say \\\"hi\\\"\"\n").as_deref(),
            Some("say \"hi\"")
        );
        // A key that only starts like ours is not ours.
        assert_eq!(parse_os_release("PRETTY_NAME_X=1\n"), None);
        assert_eq!(parse_os_release(""), None);
    }

    #[test]
    fn cpu_model_on_x86_and_arm() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n";
        assert_eq!(
            parse_cpu_model(x86).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        let arm = "processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n";
        assert_eq!(
            parse_cpu_model(arm).as_deref(),
            Some("Raspberry Pi 4 Model B Rev 1.4")
        );
        assert_eq!(parse_cpu_model("processor : 0\nmodel name :   \n"), None);
    }

    #[test]
    fn boot_time_from_stat() {
        assert_eq!(
            parse_boot_time(b"cpu 1 2 3 4\nbtime 1700000000\nprocesses 5\n"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_boot_time(b"cpu 1 2 3 4\nbtime\n"), None);
        assert_eq!(parse_boot_time(b"btimex 5\n"), None);
    }

    #[test]
    fn uptime_and_load_are_plausible() {
        let (uptime, load) = HostMeter::default().sample();
        assert!(uptime > 0);
        assert!(load.iter().all(|l| l.is_finite() && *l >= 0.0));
    }
}
