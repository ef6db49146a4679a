//! Editing the form and checking it as it is typed.

use super::*;
use crate::proto::jobs::{GpuHolder, GpuSlot};

fn defaults() -> JobDefaults {
    JobDefaults {
        cwd: Some("/home/ana/proj".into()),
        env: BTreeMap::from([("PATH".to_owned(), "/usr/bin".to_owned())]),
    }
}

fn capacity(cpus: u32, gpus: u32) -> JobCapacity {
    JobCapacity {
        cpu_slots: cpus,
        cpu_slots_used: 0,
        gpus: (0..gpus)
            .map(|index| GpuSlot {
                index,
                holder: GpuHolder::Free,
            })
            .collect(),
        simulated_gpus: true,
        gpus_unavailable: None,
    }
}

fn type_text(form: &mut JobForm, text: &str) {
    for c in text.chars() {
        form.type_char(c);
    }
}

fn message(form: &JobForm, capacity: Option<&JobCapacity>) -> (Option<Field>, String) {
    let problem = form.check(capacity, &defaults()).unwrap_err();
    (problem.field, problem.message)
}

#[test]
fn a_filled_form_is_the_spec_the_agent_gets() {
    let mut form = JobForm::default();
    type_text(&mut form, "python train.py --name 'run 1'");
    form.field = Field::Name;
    type_text(&mut form, "train");
    form.field = Field::Cpus;
    form.clear_field();
    type_text(&mut form, "4");
    form.field = Field::Gpus;
    form.backspace();
    type_text(&mut form, "2");
    form.field = Field::Priority;
    form.clear_field();
    type_text(&mut form, "-3");
    let spec = form.check(Some(&capacity(16, 2)), &defaults()).unwrap();
    assert_eq!(spec.name.as_deref(), Some("train"));
    assert_eq!(
        spec.command,
        JobCommand::Argv(vec![
            "python".into(),
            "train.py".into(),
            "--name".into(),
            "run 1".into()
        ])
    );
    assert_eq!((spec.cpus, spec.gpus.count(), spec.priority), (4, 2, -3));
    assert_eq!(spec.cwd, "/home/ana/proj");
    assert_eq!(spec.env, defaults().env);
}

#[test]
fn the_shell_box_runs_the_line_through_sh() {
    let mut form = JobForm::default();
    type_text(&mut form, "python a.py | tee out.log");
    assert_eq!(message(&form, None).0, Some(Field::Command));
    form.field = Field::Shell;
    assert!(form.type_char(' '));
    assert!(form.shell);
    assert!(!form.type_char('x'), "the box takes only a space");
    let spec = form.check(None, &defaults()).unwrap();
    assert_eq!(
        spec.command,
        JobCommand::Shell("python a.py | tee out.log".into())
    );
}

#[test]
fn each_mistake_names_its_field() {
    let form = JobForm::default();
    assert_eq!(
        message(&form, None),
        (Some(Field::Command), "the command is empty".into())
    );
    let mut form = JobForm::default();
    type_text(&mut form, "echo 'hi");
    assert_eq!(
        message(&form, None),
        (Some(Field::Command), "the ' quote is not closed".into())
    );
    let mut form = JobForm::default();
    type_text(&mut form, "true");
    form.cpus = "four".into();
    assert_eq!(message(&form, None).0, Some(Field::Cpus));
    form.cpus = "0".into();
    assert_eq!(
        message(&form, None),
        (Some(Field::Cpus), "CPUs must be at least 1".into())
    );
    form.cpus = " 2 ".into();
    form.gpus = "-1".into();
    assert_eq!(message(&form, None).0, Some(Field::Gpus));
    form.gpus = "1".into();
    form.priority = "high".into();
    assert_eq!(message(&form, None).0, Some(Field::Priority));
    form.priority = "0".into();
    form.name = "a\u{7}b".into();
    assert_eq!(
        message(&form, None),
        (
            Some(Field::Name),
            "the job name contains control characters".into()
        ),
        "the shared spec checks apply"
    );
    form.name = "  ".into();
    assert!(form.check(None, &defaults()).unwrap().name.is_none());
}

#[test]
fn asking_for_more_than_the_instance_has_is_refused_with_the_numbers() {
    let mut form = JobForm::default();
    type_text(&mut form, "train");
    form.gpus = "3".into();
    assert_eq!(
        message(&form, Some(&capacity(16, 2))),
        (
            Some(Field::Gpus),
            "asks for 3 GPUs; the instance has 2".into()
        )
    );
    form.gpus = "1".into();
    let mut none = capacity(16, 0);
    none.gpus_unavailable = Some("no NVIDIA driver".into());
    assert_eq!(
        message(&form, Some(&none)).1,
        "asks for 1 GPU; the instance has none (no NVIDIA driver)"
    );
    form.gpus = "2".into();
    form.cpus = "32".into();
    assert_eq!(
        message(&form, Some(&capacity(16, 2))),
        (
            Some(Field::Cpus),
            "asks for 32 CPU slots; the instance has 16".into()
        )
    );
    assert!(
        form.check(None, &defaults()).is_ok(),
        "without the capacity only the shape is checked"
    );
}

#[test]
fn an_unknown_folder_is_a_problem_of_the_whole_form() {
    let mut form = JobForm::default();
    type_text(&mut form, "true");
    let problem = form.check(None, &JobDefaults::default()).unwrap_err();
    assert_eq!(problem.field, None);
    assert!(problem.message.contains("working folder"), "{problem:?}");
}

#[test]
fn editing_keys_and_paste_work_on_the_focused_field() {
    let mut form = JobForm::default();
    type_text(&mut form, "python train.py  ");
    assert!(form.delete_word());
    assert_eq!(form.command, "python ");
    assert!(form.paste("eval.py\n--fast\u{1b}"));
    assert_eq!(form.command, "python eval.py --fast");
    form.field = Field::Shell;
    assert!(!form.backspace());
    assert!(!form.paste("x"));
    assert_eq!(Field::Priority.step(1), Field::Command);
    assert_eq!(Field::Command.step(-1), Field::Priority);
    assert_eq!(Field::Shell.step(1), Field::Name);
}
