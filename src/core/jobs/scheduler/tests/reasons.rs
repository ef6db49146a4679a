//! Every wait-reason wording, dependencies, foreign GPUs, jobs that can never fit, and
//! `check_fits`'s messages.

use super::*;

#[test]
fn both_shortages_are_named_gpus_first() {
    let plan = schedule(
        &instance(4, 2),
        &[running(1, 2, &[0])],
        &[job(2, 2).cpus(4), job_on(3, &[0]).cpus(3)],
    );
    assert_eq!(
        reason(&plan, 2),
        "needs 2 GPUs, 1 free; needs 4 CPU slots, 2 free"
    );
    assert_eq!(
        reason(&plan, 3),
        "needs GPU 0, held by job 1; needs 3 CPU slots, 2 free"
    );
}

#[test]
fn singular_wordings() {
    let plan = schedule(
        &instance(1, 1),
        &[running(1, 1, &[0])],
        &[job(2, 1), job(3, 0)],
    );
    assert_eq!(
        reason(&plan, 2),
        "needs 1 GPU, 0 free; needs 1 CPU slot, 0 free"
    );
    assert_eq!(reason(&plan, 3), "needs 1 CPU slot, 0 free");
}

#[test]
fn dependencies_decide_before_resources() {
    use Dependency::{Cancelled, Failed, Missing, Pending, Succeeded};
    /// What becomes of job 20.
    enum Then {
        Starts,
        Waits(&'static str),
        Doomed(&'static str),
    }
    use Then::{Doomed, Starts, Waits};
    type Known = &'static [(JobId, Dependency)];
    let cases: [(&[JobId], Known, Then); 9] = [
        (&[12], &[(12, Succeeded)], Starts),
        (&[12], &[(12, Pending)], Waits("after job 12")),
        (
            &[12],
            &[(12, Failed)],
            Doomed("job 12, which it runs after, failed"),
        ),
        (
            &[12],
            &[(12, Cancelled)],
            Doomed("job 12, which it runs after, was cancelled"),
        ),
        (
            &[12],
            &[(12, Missing)],
            Doomed("job 12, which it runs after, does not exist"),
        ),
        (
            &[12],
            &[],
            Doomed("job 12, which it runs after, does not exist"),
        ),
        (
            &[11, 12, 13],
            &[(11, Succeeded), (12, Pending), (13, Pending)],
            Waits("after job 12"),
        ),
        // A dead dependency dooms the job even when another is still pending.
        (
            &[12, 14],
            &[(12, Pending), (14, Failed)],
            Doomed("job 14, which it runs after, failed"),
        ),
        (
            &[15, 14],
            &[(15, Cancelled), (14, Failed)],
            Doomed("job 15, which it runs after, was cancelled"),
        ),
    ];
    for (after, known, then) in cases {
        let plan = schedule_after(&instance(4, 1), &[job(20, 1).after(after)], known);
        match then {
            Starts => assert_eq!(starts(&plan), [(20, vec![0])], "{after:?}"),
            Waits(text) => assert_eq!(plan.waiting, [(20, text.to_owned())]),
            Doomed(text) => assert_eq!(plan.doomed, [(20, text.to_owned())]),
        }
        let placed = plan.start.len() + plan.waiting.len() + plan.doomed.len();
        assert_eq!(placed, 1, "{after:?}");
    }
}

#[test]
fn jobs_held_by_dependencies_claim_nothing() {
    let queue = [
        job(1, 1).priority(9).after(&[30]),
        job(2, 1).priority(9).after(&[31]),
        job(3, 1),
    ];
    let plan = schedule_after(&instance(4, 1), &queue, &[(30, Dependency::Pending)]);
    assert_eq!(starts(&plan), [(3, vec![0])]);
    assert_eq!(waits(&plan), [(1, "after job 30")]);
    assert_eq!(plan.doomed.len(), 1);
    assert_eq!(holders(&plan), [Job(3)]);
}

#[test]
fn dependency_chains_advance_one_link_at_a_time() {
    use Dependency::{Failed, Pending, Succeeded};
    let queue = |from: JobId| -> Vec<Waiting> {
        [job(1, 0), job(2, 0).after(&[1]), job(3, 0).after(&[2])]
            .into_iter()
            .filter(|j| j.id >= from)
            .collect()
    };
    let capacity = instance(4, 0);
    let plan = schedule_after(&capacity, &queue(1), &[(1, Pending), (2, Pending)]);
    assert_eq!(starts(&plan), [(1, vec![])]);
    assert_eq!(waits(&plan), [(2, "after job 1"), (3, "after job 2")]);
    // 1 is running.
    let plan = schedule_after(&capacity, &queue(2), &[(1, Pending), (2, Pending)]);
    assert_eq!(waits(&plan), [(2, "after job 1"), (3, "after job 2")]);
    // 1 succeeded: 2 starts, 3 keeps waiting.
    let plan = schedule_after(&capacity, &queue(2), &[(1, Succeeded), (2, Pending)]);
    assert_eq!(starts(&plan), [(2, vec![])]);
    assert_eq!(waits(&plan), [(3, "after job 2")]);
    // Had 1 failed: 2 is doomed; once 2 is recorded as failed, 3 is doomed too.
    let plan = schedule_after(&capacity, &queue(2), &[(1, Failed), (2, Pending)]);
    assert_eq!(reason(&plan, 2), "job 1, which it runs after, failed");
    assert_eq!(reason(&plan, 3), "after job 2");
    let plan = schedule_after(&capacity, &queue(3), &[(1, Failed), (2, Failed)]);
    assert_eq!(
        plan.doomed,
        [(3, "job 2, which it runs after, failed".to_owned())]
    );
}

#[test]
fn foreign_gpus_are_never_handed_out_and_are_named() {
    let plan = schedule(&with_foreign(instance(8, 4), &[0]), &[], &[job(1, 1)]);
    assert_eq!(starts(&plan), [(1, vec![1])]);
    assert_eq!(holders(&plan), [Foreign, Job(1), Free, Free]);

    let plan = schedule(&with_foreign(instance(8, 4), &[1]), &[], &[job(1, 4)]);
    assert_eq!(
        reason(&plan, 1),
        "needs 4 GPUs, 3 free (GPU 1 busy outside Station)"
    );
    assert_eq!(
        holders(&plan),
        [Reserved(1), Foreign, Reserved(1), Reserved(1)]
    );

    let capacity = with_foreign(instance(8, 4), &[1, 3, 9]);
    let plan = schedule(&capacity, &[], &[job(1, 3)]);
    assert_eq!(
        reason(&plan, 1),
        "needs 3 GPUs, 2 free (GPUs 1, 3 busy outside Station)"
    );
    assert_eq!(
        plan.gpus.len(),
        4,
        "a foreign index that is not present is ignored"
    );
}

#[test]
fn a_job_holds_its_gpu_even_when_a_foreign_process_uses_it_too() {
    let capacity = with_foreign(instance(8, 2), &[0]);
    let plan = schedule(&capacity, &[running(1, 1, &[0])], &[job(2, 2)]);
    assert_eq!(reason(&plan, 2), "needs 2 GPUs, 1 free");
    assert_eq!(holders(&plan), [Job(1), Reserved(2)]);
}

#[test]
fn a_job_that_can_never_fit_waits_with_the_numbers_and_claims_nothing() {
    let capacity = instance(2, 2);
    let queue = [job(1, 3), job(2, 0).cpus(4), job_on(3, &[5]), job(4, 1)];
    let plan = schedule(&capacity, &[], &queue);
    assert_eq!(starts(&plan), [(4, vec![0])]);
    assert_eq!(
        waits(&plan),
        [
            (1, "asks for 3 GPUs; this instance has 2"),
            (2, "asks for 4 CPU slots; this instance has 2"),
            (3, "GPU 5 does not exist here (GPUs: 0, 1)")
        ]
    );
}

#[test]
fn cpu_slots_used_counts_running_and_started_even_past_the_total() {
    let plan = schedule(&instance(2, 0), &[running(1, 3, &[])], &[job(2, 0)]);
    assert_eq!(reason(&plan, 2), "needs 1 CPU slot, 0 free");
    assert_eq!(plan.cpu_slots_used, 3);
    let plan = schedule(&instance(6, 0), &[running(1, 3, &[])], &[job(2, 0).cpus(2)]);
    assert_eq!(plan.cpu_slots_used, 5);
    let empty = schedule(&instance(6, 2), &[], &[]);
    assert_eq!(
        empty,
        Plan {
            gpus: plan_free(&[0, 1]),
            ..Plan::default()
        }
    );
}

fn plan_free(indices: &[u32]) -> Vec<GpuSlot> {
    indices
        .iter()
        .map(|&index| GpuSlot {
            index,
            holder: Free,
        })
        .collect()
}

#[test]
fn check_fits_refuses_with_the_numbers() {
    let four = instance(4, 4);
    let cases: [(Capacity, u32, GpuRequest, Result<(), &str>); 13] = [
        (four.clone(), 4, GpuRequest::Count(4), Ok(())),
        (
            four.clone(),
            5,
            GpuRequest::Count(0),
            Err("asks for 5 CPU slots; this instance has 4"),
        ),
        (
            instance(0, 0),
            1,
            GpuRequest::Count(0),
            Err("asks for 1 CPU slot; this instance has none"),
        ),
        (
            instance(4, 1),
            1,
            GpuRequest::Count(2),
            Err("asks for 2 GPUs; this instance has 1"),
        ),
        (
            instance(4, 0),
            1,
            GpuRequest::Count(1),
            Err("asks for 1 GPU; this instance has none"),
        ),
        (instance(4, 0), 1, GpuRequest::Count(0), Ok(())),
        (four.clone(), 1, GpuRequest::Ids(vec![1, 3]), Ok(())),
        (
            four.clone(),
            1,
            GpuRequest::Ids(vec![5]),
            Err("GPU 5 does not exist here (GPUs: 0, 1, 2, 3)"),
        ),
        (
            instance(4, 0),
            1,
            GpuRequest::Ids(vec![0]),
            Err("GPU 0 does not exist here (this instance has no GPUs)"),
        ),
        (
            Capacity {
                gpus: vec![2, 0],
                ..four.clone()
            },
            1,
            GpuRequest::Ids(vec![0, 1]),
            Err("GPU 1 does not exist here (GPUs: 0, 2)"),
        ),
        // Foreign-busy GPUs may free up: they count.
        (
            with_foreign(four.clone(), &[0, 1, 2, 3]),
            1,
            GpuRequest::Count(4),
            Ok(()),
        ),
        (
            with_foreign(four.clone(), &[2]),
            1,
            GpuRequest::Ids(vec![2]),
            Ok(()),
        ),
        // CPU slots are checked first.
        (
            instance(2, 1),
            3,
            GpuRequest::Count(2),
            Err("asks for 3 CPU slots; this instance has 2"),
        ),
    ];
    for (capacity, cpus, gpus, expected) in cases {
        let outcome = check_fits(&capacity, cpus, &gpus);
        assert_eq!(outcome, expected.map_err(str::to_owned), "{cpus} {gpus:?}");
    }
}
