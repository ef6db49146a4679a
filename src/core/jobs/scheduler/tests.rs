//! Table-style tests of allocation, explicit GPU ids, priority, reservation and backfill.
//! Wait-reason wordings, dependencies, foreign GPUs and `check_fits` are in `reasons`;
//! randomized invariants in `random`; discrete-event simulations in `simulation`.

use super::*;
use crate::proto::jobs::GpuHolder;

mod random;
mod reasons;
mod rng;
mod simulation;

use rng::Rng;

fn instance(cpu_slots: u32, gpus: u32) -> Capacity {
    Capacity {
        cpu_slots,
        gpus: (0..gpus).collect(),
        foreign: BTreeSet::new(),
    }
}

fn with_foreign(mut capacity: Capacity, foreign: &[u32]) -> Capacity {
    capacity.foreign = foreign.iter().copied().collect();
    capacity
}

/// A job taking one CPU slot and `gpus` GPUs, priority 0, no dependencies.
fn job(id: JobId, gpus: u32) -> Waiting {
    Waiting {
        id,
        priority: 0,
        cpus: 1,
        gpus: GpuRequest::Count(gpus),
        after: Vec::new(),
    }
}

fn job_on(id: JobId, ids: &[u32]) -> Waiting {
    Waiting {
        gpus: GpuRequest::Ids(ids.to_vec()),
        ..job(id, 0)
    }
}

impl Waiting {
    fn cpus(self, cpus: u32) -> Waiting {
        Waiting { cpus, ..self }
    }

    fn priority(self, priority: i32) -> Waiting {
        Waiting { priority, ..self }
    }

    fn after(self, after: &[JobId]) -> Waiting {
        Waiting {
            after: after.to_vec(),
            ..self
        }
    }
}

fn running(id: JobId, cpus: u32, gpus: &[u32]) -> Running {
    Running {
        id,
        cpus,
        gpus: gpus.to_vec(),
    }
}

/// A pass where every dependency has succeeded.
fn schedule(capacity: &Capacity, running: &[Running], waiting: &[Waiting]) -> Plan {
    plan(capacity, running, waiting, &|_| Dependency::Succeeded)
}

/// A pass where the dependencies stand as `known` says (others do not exist).
fn schedule_after(capacity: &Capacity, waiting: &[Waiting], known: &[(JobId, Dependency)]) -> Plan {
    let lookup = |id: JobId| {
        known
            .iter()
            .find(|(other, _)| *other == id)
            .map_or(Dependency::Missing, |(_, state)| *state)
    };
    plan(capacity, &[], waiting, &lookup)
}

fn starts(plan: &Plan) -> Vec<(JobId, Vec<u32>)> {
    plan.start.iter().map(|s| (s.id, s.gpus.clone())).collect()
}

fn waits(plan: &Plan) -> Vec<(JobId, &str)> {
    plan.waiting
        .iter()
        .map(|(id, r)| (*id, r.as_str()))
        .collect()
}

fn reason(plan: &Plan, id: JobId) -> &str {
    let found = plan
        .waiting
        .iter()
        .chain(&plan.doomed)
        .find(|(j, _)| *j == id);
    &found
        .unwrap_or_else(|| panic!("job {id} neither waits nor is doomed: {plan:?}"))
        .1
}

fn holders(plan: &Plan) -> Vec<GpuHolder> {
    plan.gpus.iter().map(|slot| slot.holder).collect()
}

use GpuHolder::{Foreign, Free, Job, Reserved};

#[test]
fn count_requests_get_the_lowest_free_gpus() {
    // (GPUs present, held by a running job, asked for, expected)
    type Gpus = &'static [u32];
    let cases: [(Gpus, Gpus, u32, Gpus); 8] = [
        (&[0, 1, 2, 3], &[], 1, &[0]),
        (&[0, 1, 2, 3], &[0], 2, &[1, 2]),
        (&[0, 1, 2, 3], &[1], 2, &[0, 2]),
        (&[0, 1, 2, 3], &[0, 2], 2, &[1, 3]),
        (&[0, 1, 2, 3], &[], 4, &[0, 1, 2, 3]),
        (&[1, 3, 5, 7], &[3], 2, &[1, 5]),
        (&[3, 1, 2], &[], 2, &[1, 2]),
        (&[0, 1], &[0, 1], 0, &[]),
    ];
    for (present, held, asked, expected) in cases {
        let capacity = Capacity {
            cpu_slots: 8,
            gpus: present.to_vec(),
            foreign: BTreeSet::new(),
        };
        let plan = schedule(&capacity, &[running(50, 1, held)], &[job(1, asked)]);
        assert_eq!(
            starts(&plan),
            [(1, expected.to_vec())],
            "{present:?} {held:?} {asked}"
        );
    }
}

#[test]
fn successive_jobs_fill_gpus_in_order_and_holders_say_who() {
    let jobs = [job(1, 1), job(2, 2), job(3, 0), job(4, 1)];
    let plan = schedule(&instance(8, 4), &[], &jobs);
    let expected: Vec<(JobId, Vec<u32>)> =
        vec![(1, vec![0]), (2, vec![1, 2]), (3, vec![]), (4, vec![3])];
    assert_eq!(starts(&plan), expected);
    assert_eq!(holders(&plan), [Job(1), Job(2), Job(2), Job(4)]);
    let indices: Vec<u32> = plan.gpus.iter().map(|slot| slot.index).collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    assert_eq!(plan.cpu_slots_used, 4);
    assert!(plan.waiting.is_empty() && plan.doomed.is_empty());
}

#[test]
fn explicit_ids_start_when_all_are_free_listed_ascending() {
    let plan = schedule(
        &instance(8, 4),
        &[running(7, 1, &[1])],
        &[job_on(1, &[3, 0])],
    );
    assert_eq!(starts(&plan), [(1, vec![0, 3])]);
    assert_eq!(holders(&plan), [Job(1), Job(7), Free, Job(1)]);
}

#[test]
fn explicit_ids_say_which_gpu_is_in_the_way() {
    let capacity = with_foreign(instance(8, 4), &[3]);
    let run = [running(7, 1, &[1])];
    let cases: [(&[Waiting], JobId, &str); 5] = [
        (&[job_on(1, &[1])], 1, "needs GPU 1, held by job 7"),
        (&[job_on(1, &[3])], 1, "needs GPU 3, busy outside Station"),
        (
            &[job_on(1, &[0, 1, 3])],
            1,
            "needs GPU 1, held by job 7; needs GPU 3, busy outside Station",
        ),
        // Job 1 starts on GPU 0 in this very pass.
        (
            &[job(1, 1), job_on(2, &[0])],
            2,
            "needs GPU 0, held by job 1",
        ),
        // Job 5 claims GPUs 0 and 2; job 6 could not run anyway (GPU 1 is held).
        (
            &[job(5, 3).priority(1), job_on(6, &[1, 2])],
            6,
            "needs GPU 1, held by job 7; needs GPU 2, reserved for job 5",
        ),
    ];
    for (queue, id, expected) in cases {
        assert_eq!(reason(&schedule(&capacity, &run, queue), id), expected);
    }
}

#[test]
fn a_waiting_ids_job_reserves_its_gpus_and_others_backfill_the_rest() {
    let plan = schedule(
        &instance(8, 4),
        &[running(7, 1, &[0])],
        &[job_on(5, &[0, 1]), job(6, 1), job_on(8, &[1])],
    );
    assert_eq!(starts(&plan), [(6, vec![2])]);
    assert_eq!(
        waits(&plan),
        [
            (5, "needs GPU 0, held by job 7"),
            (8, "behind job 5, submitted earlier")
        ]
    );
    assert_eq!(holders(&plan), [Job(7), Reserved(5), Job(6), Free]);
}

#[test]
fn higher_priority_runs_first_whatever_the_submission_order() {
    let jobs = [
        job(1, 1),
        job(2, 1).priority(5),
        job(3, 1).priority(-1),
        job(4, 1).priority(5),
    ];
    let plan = schedule(&instance(8, 2), &[], &jobs);
    assert_eq!(starts(&plan), [(2, vec![0]), (4, vec![1])]);
    assert_eq!(
        waits(&plan),
        [(1, "needs 1 GPU, 0 free"), (3, "needs 1 GPU, 0 free")]
    );
}

#[test]
fn equal_priorities_run_in_submission_order_whatever_the_input_order() {
    let jobs = [job(3, 1), job(1, 1), job(2, 1), job(5, 0).cpus(2)];
    let plan = schedule(&instance(2, 1), &[], &jobs);
    assert_eq!(starts(&plan), [(1, vec![0])]);
    assert_eq!(
        waits(&plan),
        [
            (2, "needs 1 GPU, 0 free"),
            (3, "needs 1 GPU, 0 free"),
            (5, "needs 2 CPU slots, 1 free")
        ]
    );
    let mut reversed = jobs.to_vec();
    reversed.reverse();
    assert_eq!(schedule(&instance(2, 1), &[], &reversed), plan);
}

#[test]
fn a_waiting_big_job_is_not_starved_by_small_ones() {
    let queue = [job(3, 4), job(4, 1), job(5, 1)];
    let capacity = instance(8, 4);
    // Two GPUs busy: job 3 reserves the other two, the small jobs stay behind it.
    let plan = schedule(
        &capacity,
        &[running(1, 1, &[0]), running(2, 1, &[1])],
        &queue,
    );
    assert!(plan.start.is_empty());
    let behind = "behind job 3, submitted earlier";
    assert_eq!(
        waits(&plan),
        [(3, "needs 4 GPUs, 2 free"), (4, behind), (5, behind)]
    );
    assert_eq!(holders(&plan), [Job(1), Job(2), Reserved(3), Reserved(3)]);
    // One finishes: still waiting, now holding three.
    let plan = schedule(&capacity, &[running(2, 1, &[1])], &queue);
    assert!(plan.start.is_empty());
    assert_eq!(reason(&plan, 3), "needs 4 GPUs, 3 free");
    assert_eq!(
        holders(&plan),
        [Reserved(3), Job(2), Reserved(3), Reserved(3)]
    );
    // Both finish: the big job starts, the small ones wait for it.
    let plan = schedule(&capacity, &[], &queue);
    assert_eq!(starts(&plan), [(3, vec![0, 1, 2, 3])]);
    assert_eq!(reason(&plan, 4), "needs 1 GPU, 0 free");
}

#[test]
fn a_higher_priority_claim_names_the_priority() {
    let plan = schedule(
        &instance(8, 2),
        &[running(1, 1, &[0])],
        &[job(9, 2).priority(3), job(2, 1), job(10, 1).priority(3)],
    );
    assert!(plan.start.is_empty());
    assert_eq!(reason(&plan, 9), "needs 2 GPUs, 1 free");
    assert_eq!(reason(&plan, 10), "behind job 9, submitted earlier");
    assert_eq!(reason(&plan, 2), "behind higher-priority job 9");
}

#[test]
fn cpu_only_jobs_backfill_spare_cpus_while_a_gpu_job_waits() {
    let plan = schedule(
        &instance(8, 4),
        &[running(1, 2, &[0, 1])],
        &[
            job(3, 4).cpus(2),
            job(4, 0),
            job(5, 0),
            job(6, 0),
            job(7, 0).cpus(3),
            job(8, 1),
        ],
    );
    assert_eq!(starts(&plan), [(4, vec![]), (5, vec![]), (6, vec![])]);
    assert_eq!(
        waits(&plan),
        [
            (3, "needs 4 GPUs, 2 free"),
            (7, "behind job 3, submitted earlier"),
            (8, "behind job 3, submitted earlier")
        ]
    );
    assert_eq!(holders(&plan), [Job(1), Job(1), Reserved(3), Reserved(3)]);
    assert_eq!(plan.cpu_slots_used, 5);
}

#[test]
fn a_job_short_of_cpu_slots_reserves_the_free_ones() {
    let capacity = instance(4, 2);
    let plan = schedule(
        &capacity,
        &[running(1, 2, &[])],
        &[job(2, 1).cpus(4), job(3, 0), job(4, 1)],
    );
    assert!(plan.start.is_empty());
    assert_eq!(
        waits(&plan),
        [
            (2, "needs 4 CPU slots, 2 free"),
            (3, "behind job 2, submitted earlier"),
            (4, "behind job 2, submitted earlier")
        ]
    );
    // Each keeps the GPU it will need: job 4 waits for CPU slots too.
    assert_eq!(holders(&plan), [Reserved(2), Reserved(4)]);
    assert_eq!(plan.cpu_slots_used, 2);
}

#[test]
fn the_first_job_ahead_whose_claim_is_in_the_way_is_named() {
    // Jobs 9 and 10 each claim one of the GPUs job 11 asks for: 9 is named, being ahead.
    let plan = schedule(
        &instance(8, 4),
        &[running(7, 1, &[0])],
        &[
            job_on(11, &[1, 2]),
            job_on(10, &[0, 2]).priority(1),
            job_on(9, &[0, 1]).priority(2),
        ],
    );
    assert_eq!(reason(&plan, 10), "needs GPU 0, held by job 7");
    assert_eq!(reason(&plan, 11), "behind higher-priority job 9");
    assert_eq!(holders(&plan), [Job(7), Reserved(9), Reserved(10), Free]);
    // Job 3 claims the CPU slots, job 5 the free GPU; job 6 wants both and names job 3.
    let plan = schedule(
        &instance(4, 2),
        &[running(1, 1, &[0])],
        &[job(5, 2), job(6, 1), job(3, 0).cpus(4).priority(1)],
    );
    assert_eq!(
        waits(&plan),
        [
            (3, "needs 4 CPU slots, 3 free"),
            (5, "needs 2 GPUs, 1 free"),
            (6, "behind higher-priority job 3")
        ]
    );
}
