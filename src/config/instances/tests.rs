//! The inventory file: parsing and its located errors, edits that keep every other byte,
//! atomic writes, and imports from SSH aliases.

use std::os::unix::fs::PermissionsExt;

use super::edit::{InventoryEditor, InventoryError, add_instance, remove_instance};
use super::import::{SkipReason, import_aliases};
use super::*;

const PATH: &str = "/c/instances.toml";

fn parse(source: &str) -> Result<Inventory, ConfigProblem> {
    Inventory::parse(Path::new(PATH), source)
}

fn editor(source: &str) -> InventoryEditor {
    InventoryEditor::from_source(Path::new(PATH), source).unwrap()
}

fn instance(name: &str) -> Instance {
    Instance::named(name)
}

/// A hand-written file with comments everywhere comments can be.
const COMMENTED: &str = "\
# My machines.
# Keep this list short.

# The big box under the desk.
[[instance]]
name = \"big\"   # the name Station uses
host = \"big.lab\"
tags = [ \"a100\",  \"lab\" ]   # spaced as I like

[[instance]]
name='small'
# user = \"ana\"
port = 2222


# Old machines, kept for reference:
# [[instance]]
# name = \"old\"
";

#[test]
fn every_key_is_read() {
    let inventory = parse(
        "[[instance]]\nname = \"gpu1\"\nhost = \"gpu1.lab\"\nuser = \"ana\"\nport = 2222\n\
         identity = \"~/.ssh/id_gpu1\"\ntags = [\"a100\", \"lab\"]\n\
         start_command = \"virsh start gpu1\"\n\n[[instance]]\nname = \"gpu2\"\n",
    )
    .unwrap();
    let gpu1 = &inventory.instances[0];
    assert_eq!(gpu1.host(), "gpu1.lab");
    assert_eq!(gpu1.user.as_deref(), Some("ana"));
    assert_eq!(gpu1.port, Some(2222));
    assert_eq!(
        gpu1.identity_path(Path::new("/home/ana")),
        Some(PathBuf::from("/home/ana/.ssh/id_gpu1"))
    );
    assert_eq!(gpu1.tags, ["a100", "lab"]);
    assert_eq!(gpu1.start_command.as_deref(), Some("virsh start gpu1"));
    assert_eq!(inventory.get("gpu2").unwrap().host(), "gpu2");
    assert_eq!(inventory.get("gpu2").unwrap(), &instance("gpu2"));
    assert!(inventory.get("gpu3").is_none());
}

#[test]
fn empty_and_comment_only_files_are_empty_inventories() {
    assert!(parse("").unwrap().is_empty());
    assert!(parse("# nothing yet\n").unwrap().is_empty());
    assert_eq!(parse(COMMENTED).unwrap().instances.len(), 2);
}

#[test]
fn a_missing_file_is_an_empty_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("instances.toml");
    let inventory = Inventory::load(&path).unwrap();
    assert!(inventory.is_empty());
    assert_eq!(inventory.path, path);
}

/// (source, line, column, start of the message)
const BROKEN: &[(&str, usize, usize, &str)] = &[
    (
        "[[instance]]\nname = \"a\"\n\n[[instance]]\nname = \"a\"\n",
        5,
        8,
        "duplicate instance name `a`",
    ),
    (
        "[[instance]]\nname = \"a b\"\n",
        2,
        8,
        "instance name `a b` has ' '",
    ),
    (
        "[[instance]]\nname = \"-a\"\n",
        2,
        8,
        "instance name `-a` must start with a letter",
    ),
    (
        "[[instance]]\nname = \"\"\n",
        2,
        8,
        "an instance name cannot be empty",
    ),
    (
        "[[instance]]\nname = \"a\"\nport = 0\n",
        3,
        8,
        "port must be between 1 and 65535, got 0",
    ),
    (
        "[[instance]]\nname = \"a\"\nport = 70000\n",
        3,
        8,
        "port must be between 1 and 65535, got 70000",
    ),
    (
        "[[instance]]\nname = \"a\"\nport = \"22\"\n",
        3,
        8,
        "invalid type: string \"22\", expected i64",
    ),
    (
        "[[instance]]\nname = \"a\"\nhost = \"a b\"\n",
        3,
        8,
        "`a b` has a space",
    ),
    (
        "[[instance]]\nname = \"a\"\nuser = \"-oProxyCommand\"\n",
        3,
        8,
        "`-oProxyCommand` cannot start with `-`",
    ),
    (
        "[[instance]]\nname = \"a\"\nidentity = \"id_rsa\"\n",
        3,
        12,
        "identity `id_rsa` must be an absolute path",
    ),
    (
        "[[instance]]\nname = \"a\"\ntags = [\"ok\", \"two words\"]\n",
        3,
        8,
        "tag \"two words\" must be",
    ),
    (
        "[[instance]]\nname = \"a\"\nstart_command = \" \"\n",
        3,
        17,
        "start_command cannot be empty",
    ),
    (
        "[[instance]]\nname = \"a\"\nhostname = \"x\"\n",
        3,
        1,
        "unknown field `hostname`",
    ),
    ("[[instance]]\nhost = \"x\"\n", 1, 1, "missing field `name`"),
    (
        "[instance]\nname = \"a\"\n",
        1,
        1,
        "invalid type: map, expected a sequence",
    ),
    (
        "[[instances]]\nname = \"a\"\n",
        1,
        3,
        "unknown field `instances`",
    ),
    ("[[instance]]\nname = \"a\n", 2, 10, "invalid basic string"),
];

#[test]
fn bad_files_are_located() {
    for (source, line, column, message) in BROKEN {
        let problem = parse(source).unwrap_err();
        assert_eq!(
            (problem.line, problem.column),
            (*line, *column),
            "{source:?}: {problem}"
        );
        assert!(
            problem.message.starts_with(message),
            "{source:?}: {problem}"
        );
        assert!(
            problem
                .to_string()
                .starts_with(&format!("error: {PATH}:{line}:{column}: "))
        );
    }
}

#[test]
fn names_follow_the_rules() {
    for good in [
        "gpu1",
        "a",
        "GPU-1.lab_2",
        "1box",
        &"a".repeat(MAX_NAME_LEN),
    ] {
        assert_eq!(check_name(good), Ok(()), "{good}");
    }
    for bad in [
        "",
        ".hidden",
        "_x",
        "a/b",
        "a@b",
        "é",
        "a:1",
        &"a".repeat(MAX_NAME_LEN + 1),
    ] {
        assert!(check_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn adding_appends_after_a_blank_line_and_keeps_every_other_byte() {
    let mut editor = editor(COMMENTED);
    let mut new = instance("gpu3");
    new.host = Some("10.0.0.3".into());
    new.user = Some("ana".into());
    new.port = Some(22);
    new.identity = Some("~/.ssh/id_ed25519".into());
    new.tags = vec!["h200".into()];
    new.start_command = Some("wakeonlan 00:11:22:33:44:55".into());
    editor.add(new.clone()).unwrap();
    let text = editor.text();
    let expected = COMMENTED.replace(
        "port = 2222\n",
        "port = 2222\n\n[[instance]]\nname = \"gpu3\"\nhost = \"10.0.0.3\"\nuser = \"ana\"\n\
         port = 22\nidentity = \"~/.ssh/id_ed25519\"\ntags = [\"h200\"]\n\
         start_command = \"wakeonlan 00:11:22:33:44:55\"\n",
    );
    assert_eq!(text, expected);
    assert_eq!(parse(&text).unwrap().get("gpu3"), Some(&new));
}

#[test]
fn add_then_remove_gives_back_the_file_byte_for_byte() {
    for source in [
        COMMENTED,
        "# only a comment\n",
        "[[instance]]\nname = \"a\"\n",
    ] {
        let mut editor = editor(source);
        editor.add(instance("new")).unwrap();
        editor.remove("new").unwrap();
        assert_eq!(editor.text(), source, "{source:?}");
    }
}

#[test]
fn a_new_file_starts_with_a_header_that_stays() {
    let mut editor = editor("");
    editor.add(instance("a")).unwrap();
    let text = editor.text();
    assert!(
        text.starts_with("# Station's fleet: one [[instance]] per machine.")
            && text.ends_with("\n\n[[instance]]\nname = \"a\"\n"),
        "{text}"
    );
    editor.remove("a").unwrap();
    let header = editor.text();
    assert!(
        header.starts_with("# Station's fleet") && !header.contains("[[instance]]\n"),
        "{header}"
    );
    editor.add(instance("a")).unwrap();
    assert_eq!(editor.text(), text);
}

#[test]
fn removing_takes_the_comments_right_above_and_keeps_the_rest() {
    let mut editor = editor(COMMENTED);
    assert_eq!(editor.remove("big").unwrap().host(), "big.lab");
    assert_eq!(
        editor.text(),
        COMMENTED.replace(
            "# The big box under the desk.\n[[instance]]\nname = \"big\"   # the name Station uses\n\
             host = \"big.lab\"\ntags = [ \"a100\",  \"lab\" ]   # spaced as I like\n\n",
            ""
        )
    );
    editor.remove("small").unwrap();
    assert_eq!(
        editor.text(),
        "# My machines.\n# Keep this list short.\n\n\n# Old machines, kept for reference:\n\
         # [[instance]]\n# name = \"old\"\n"
    );
    assert!(editor.inventory().is_empty());
    editor.add(instance("again")).unwrap();
    let text = editor.text();
    assert!(
        text.starts_with("# My machines.\n# Keep this list short.\n\n"),
        "{text}"
    );
    assert_eq!(parse(&text).unwrap().instances, [instance("again")]);
}

#[test]
fn duplicates_unknown_names_and_bad_values_are_refused() {
    let mut editor = editor(COMMENTED);
    assert!(matches!(
        editor.add(instance("big")),
        Err(InventoryError::Duplicate { name, .. }) if name == "big"
    ));
    assert!(matches!(
        editor.remove("nope"),
        Err(InventoryError::Unknown { name, .. }) if name == "nope"
    ));
    let mut zero_port = instance("z");
    zero_port.port = Some(0);
    let error = editor.add(zero_port).unwrap_err();
    assert_eq!(
        error.to_string(),
        "port must be between 1 and 65535, got 0; /c/instances.toml is unchanged"
    );
    let error = editor.add(instance("a b")).unwrap_err();
    assert!(
        error.to_string().starts_with("instance name `a b` has ' '"),
        "{error}"
    );
    assert!(error.is_bad_input());
    let mut spaced_host = instance("h");
    spaced_host.host = Some("a b".into());
    let error = editor.add(spaced_host).unwrap_err();
    assert!(
        error.to_string().starts_with("host `a b` has a space"),
        "{error}"
    );
    assert_eq!(editor.text(), COMMENTED);
}

#[test]
fn inline_arrays_are_edited_in_place() {
    let source = "instance = [{ name = \"a\" }]\n";
    let mut editor = editor(source);
    editor.add(instance("b")).unwrap();
    let inventory = parse(&editor.text()).unwrap();
    assert_eq!(inventory.instances, [instance("a"), instance("b")]);
    editor.remove("a").unwrap();
    assert_eq!(parse(&editor.text()).unwrap().instances, [instance("b")]);
}

#[test]
fn broken_files_are_never_opened_for_editing() {
    let error =
        InventoryEditor::from_source(Path::new(PATH), "[[instance]]\nname = 3\n").unwrap_err();
    assert!(
        matches!(&error, InventoryError::Broken(p) if p.line == 2),
        "{error}"
    );
}

#[test]
fn files_are_written_0600_in_a_new_0700_folder_and_replaced_whole() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("config/station");
    let path = folder.join("instances.toml");
    add_instance(&path, instance("a")).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&path), 0o600);
    add_instance(&path, instance("b")).unwrap();
    assert!(matches!(
        add_instance(&path, instance("b")),
        Err(InventoryError::Duplicate { .. })
    ));
    remove_instance(&path, "a").unwrap();
    assert_eq!(Inventory::load(&path).unwrap().instances, [instance("b")]);
    let names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["instances.toml"], "no temporary file is left");
}

#[test]
fn a_symlinked_inventory_is_written_through_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("dotfiles/instances.toml");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::write(&real, "# mine\n").unwrap();
    let link = dir.path().join("instances.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    add_instance(&link, instance("a")).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.starts_with("# mine\n\n[[instance]]\n"), "{text}");
}

#[test]
fn import_adds_new_aliases_and_says_why_others_are_skipped() {
    let mut editor =
        editor("[[instance]]\nname = \"big\"\nhost = \"gpu9\"\n\n[[instance]]\nname = \"gpu1\"\n");
    let aliases: Vec<String> = ["gpu1", "gpu2", "gpu9", "bad@alias", "gpu2", "gpu3"]
        .map(String::from)
        .to_vec();
    let report = import_aliases(&mut editor, &aliases);
    let added: Vec<&str> = report.added.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(added, ["gpu2", "gpu3"]);
    let skipped: Vec<(&str, &SkipReason)> = report
        .skipped
        .iter()
        .map(|s| (s.alias.as_str(), &s.reason))
        .collect();
    assert_eq!(skipped[0], ("gpu1", &SkipReason::AlreadyPresent));
    assert_eq!(skipped[1], ("gpu9", &SkipReason::HostOf("big".into())));
    assert!(matches!(skipped[2], ("bad@alias", SkipReason::InvalidName(m)) if m.contains("'@'")));
    assert_eq!(skipped[3], ("gpu2", &SkipReason::AlreadyPresent));
    assert_eq!(skipped.len(), 4);
    let inventory = parse(&editor.text()).unwrap();
    assert_eq!(inventory.get("gpu3"), Some(&instance("gpu3")));
}

#[test]
fn import_from_a_real_ssh_config_leaves_wildcards_out() {
    use crate::client::ssh::config::{RealFiles, SshConfig};
    let dir = tempfile::tempdir().unwrap();
    let ssh_config = dir.path().join("config");
    std::fs::write(
        &ssh_config,
        "Host *\n  ServerAliveInterval 30\nHost gpu1 gpu2 !gpu3 gpu-*\n  User ana\n\
         Host bastion\n  HostName 10.0.0.1\nHost ?x\n",
    )
    .unwrap();
    let aliases = SshConfig::load(&ssh_config, dir.path(), &RealFiles)
        .unwrap()
        .host_aliases();
    let mut editor = editor("[[instance]]\nname = \"gpu2\"\n");
    let report = import_aliases(&mut editor, &aliases);
    let added: Vec<&str> = report.added.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(added, ["gpu1", "bastion"]);
    assert_eq!(report.skipped.len(), 1);
}
