//! Discrete-event simulations: jobs arrive and end over simulated time, and a pass runs after
//! every change, as the agent does. Checks that the rules hold over time: a big job is not
//! starved, nothing is ever over-committed, every job runs exactly once.

use std::collections::BTreeMap;

use super::*;

/// A job of the simulation: what it asks for, when it is submitted, how long it runs.
struct SimJob {
    job: Waiting,
    arrives: u64,
    lasts: u64,
}

/// When a job ran, and on what.
#[derive(Debug, Clone)]
struct Ran {
    start: u64,
    end: u64,
    gpus: Vec<u32>,
    cpus: u32,
}

/// Runs `jobs` (ascending by arrival) to completion; a dependency succeeds when it ends.
fn simulate(capacity: &Capacity, jobs: &[SimJob]) -> BTreeMap<JobId, Ran> {
    let mut ran: BTreeMap<JobId, Ran> = BTreeMap::new();
    let mut queue: Vec<Waiting> = Vec::new();
    let mut arrived = 0;
    let mut now = 0;
    loop {
        while arrived < jobs.len() && jobs[arrived].arrives <= now {
            queue.push(jobs[arrived].job.clone());
            arrived += 1;
        }
        let busy: Vec<Running> = ran
            .iter()
            .filter(|(_, r)| r.end > now)
            .map(|(&id, r)| running(id, r.cpus, &r.gpus))
            .collect();
        let ended = |id: JobId| match ran.get(&id) {
            Some(r) if r.end <= now => Dependency::Succeeded,
            _ => Dependency::Pending,
        };
        let plan = plan(capacity, &busy, &queue, &ended);
        assert!(plan.doomed.is_empty(), "{plan:?}");
        for start in &plan.start {
            let position = queue.iter().position(|j| j.id == start.id).unwrap();
            let job = queue.remove(position);
            let lasts = jobs.iter().find(|j| j.job.id == job.id).unwrap().lasts;
            let run = Ran {
                start: now,
                end: now + lasts,
                gpus: start.gpus.clone(),
                cpus: job.cpus,
            };
            assert!(
                ran.insert(job.id, run).is_none(),
                "job {} ran twice",
                job.id
            );
        }
        assert_not_overcommitted(capacity, &ran, now);
        let next_end = ran.values().map(|r| r.end).filter(|&end| end > now).min();
        let next_arrival = jobs.get(arrived).map(|j| j.arrives);
        match next_end.into_iter().chain(next_arrival).min() {
            Some(next) => now = next,
            None => {
                assert!(queue.is_empty(), "stuck at {now} with {queue:?}");
                return ran;
            }
        }
    }
}

fn assert_not_overcommitted(capacity: &Capacity, ran: &BTreeMap<JobId, Ran>, now: u64) {
    let live: Vec<&Ran> = ran
        .values()
        .filter(|r| r.start <= now && now < r.end)
        .collect();
    let cpus: u32 = live.iter().map(|r| r.cpus).sum();
    assert!(
        cpus <= capacity.cpu_slots,
        "{cpus} CPU slots in use at {now}"
    );
    let mut gpus = BTreeSet::new();
    for gpu in live.iter().flat_map(|r| &r.gpus) {
        assert!(capacity.gpus.contains(gpu), "GPU {gpu} does not exist");
        assert!(gpus.insert(*gpu), "GPU {gpu} given twice at {now}");
    }
}

#[test]
fn a_big_job_starts_when_its_gpus_free_up_before_any_later_small_job() {
    let small = |id: JobId, arrives: u64, lasts: u64| SimJob {
        job: job(id, 1),
        arrives,
        lasts,
    };
    // Three small jobs are running when the 4-GPU job 4 arrives at time 2; a stream of small
    // jobs follows, one per time unit, each short enough to fit in any gap.
    let mut jobs = vec![small(1, 0, 5), small(2, 0, 7), small(3, 1, 4)];
    jobs.push(SimJob {
        job: job(4, 4),
        arrives: 2,
        lasts: 5,
    });
    let mut rng = Rng::new(7);
    for (offset, id) in (5..45).enumerate() {
        jobs.push(small(id, 2 + offset as u64, 1 + rng.upto(3)));
    }
    let ran = simulate(&instance(16, 4), &jobs);
    let big = &ran[&4];
    // It waits exactly for the jobs running when it arrived (the last of them ends at 7).
    let waited_for = ran
        .iter()
        .filter(|(id, r)| **id < 4 && r.start <= 2 && r.end > 2)
        .map(|(_, r)| r.end)
        .max();
    assert_eq!(waited_for, Some(7));
    assert_eq!(big.start, 7);
    assert_eq!(big.gpus, [0, 1, 2, 3]);
    for (id, later) in ran.range(5..) {
        assert!(
            later.start >= big.end,
            "job {id} started at {} before job 4",
            later.start
        );
    }
    assert_eq!(ran.len(), jobs.len());
}

#[test]
fn mixed_workloads_run_every_job_once_without_over_commit() {
    for seed in 1..=12 {
        let mut rng = Rng::new(seed);
        let mut jobs = Vec::new();
        let mut arrives = 0;
        for id in 1..=120 {
            arrives += rng.upto(2);
            let gpus = if rng.chance(20) {
                let mut ids: Vec<u32> = (0..4).filter(|_| rng.chance(40)).collect();
                if ids.is_empty() {
                    ids.push(u32::try_from(rng.upto(3)).unwrap());
                }
                GpuRequest::Ids(ids)
            } else {
                GpuRequest::Count(u32::try_from(rng.upto(4)).unwrap())
            };
            let after = if id > 5 && rng.chance(15) {
                vec![id - 1 - rng.upto(4)]
            } else {
                Vec::new()
            };
            let job = Waiting {
                id,
                priority: i32::try_from(rng.upto(2)).unwrap() - 1,
                cpus: 1 + u32::try_from(rng.upto(3)).unwrap(),
                gpus,
                after: after.clone(),
            };
            jobs.push(SimJob {
                job,
                arrives,
                lasts: 1 + rng.upto(9),
            });
        }
        let ran = simulate(&instance(8, 4), &jobs);
        assert_eq!(ran.len(), jobs.len(), "seed {seed}: not every job ran");
        for sim in &jobs {
            let this = &ran[&sim.job.id];
            assert!(this.start >= sim.arrives);
            for dependency in &sim.job.after {
                assert!(
                    this.start >= ran[dependency].end,
                    "seed {seed}: job {}",
                    sim.job.id
                );
            }
        }
    }
}
