//! Randomized invariants: thousands of generated instances and queues, each plan checked from
//! the outside. The checker replays the pass from the plan alone (which jobs started on what,
//! which wait) and asserts: no GPU or CPU slot over-committed; started GPU sets disjoint from
//! the running ones and from each other; every queued job in exactly one list, in order; no job
//! uses a resource claimed by a job ahead of it; no job waits that could have started; and the
//! GPU holders are exactly what the replay says.

use std::collections::BTreeMap;

use super::*;

#[derive(Debug)]
struct Case {
    capacity: Capacity,
    running: Vec<Running>,
    waiting: Vec<Waiting>,
    dependencies: BTreeMap<JobId, Dependency>,
}

impl Case {
    fn dependency(&self, id: JobId) -> Dependency {
        self.dependencies
            .get(&id)
            .copied()
            .unwrap_or(Dependency::Missing)
    }

    fn plan(&self) -> Plan {
        plan(&self.capacity, &self.running, &self.waiting, &|id| {
            self.dependency(id)
        })
    }
}

fn generate(rng: &mut Rng) -> Case {
    let mut gpus = Vec::new();
    let mut index = u32::try_from(rng.upto(1)).unwrap();
    for _ in 0..rng.upto(8) {
        gpus.push(index);
        index += if rng.chance(20) { 2 } else { 1 };
    }
    let mut foreign: BTreeSet<u32> = gpus.iter().copied().filter(|_| rng.chance(15)).collect();
    if rng.chance(5) {
        foreign.insert(99);
    }
    let mut held = BTreeSet::new();
    let mut holding = Vec::new();
    for k in 0..rng.upto(4) {
        let mine: Vec<u32> = gpus
            .iter()
            .copied()
            .filter(|gpu| !held.contains(gpu) && rng.chance(25))
            .collect();
        held.extend(mine.iter().copied());
        let cpus = u32::try_from(rng.upto(4)).unwrap();
        holding.push(running(1000 + k, cpus, &mine));
    }
    let mut ids: Vec<JobId> = (1..=40).collect();
    rng.shuffle(&mut ids);
    ids.truncate(usize::try_from(rng.upto(24)).unwrap());
    let waiting = ids.into_iter().map(|id| queued(rng, id, &gpus)).collect();
    let dependencies = (1..=45)
        .map(|id| {
            let state = match rng.upto(19) {
                0..=9 => Dependency::Succeeded,
                10..=14 => Dependency::Pending,
                15 | 16 => Dependency::Failed,
                17 | 18 => Dependency::Cancelled,
                _ => Dependency::Missing,
            };
            (id, state)
        })
        .collect();
    Case {
        capacity: Capacity {
            cpu_slots: u32::try_from(rng.upto(16)).unwrap(),
            gpus,
            foreign,
        },
        running: holding,
        waiting,
        dependencies,
    }
}

fn queued(rng: &mut Rng, id: JobId, present: &[u32]) -> Waiting {
    let gpus = if rng.chance(65) || present.is_empty() && rng.chance(50) {
        GpuRequest::Count(u32::try_from(rng.upto(4)).unwrap())
    } else {
        let mut ids: Vec<u32> = present.iter().copied().filter(|_| rng.chance(40)).collect();
        if ids.is_empty() || rng.chance(5) {
            ids.push(50);
        }
        rng.shuffle(&mut ids);
        GpuRequest::Ids(ids)
    };
    let after = (0..if rng.chance(25) { rng.upto(2) } else { 0 })
        .map(|_| 1 + rng.upto(44))
        .collect();
    Waiting {
        id,
        priority: i32::try_from(rng.upto(2)).unwrap() - 1,
        cpus: if rng.chance(5) {
            0
        } else {
            1 + u32::try_from(rng.upto(4)).unwrap()
        },
        gpus,
        after,
    }
}

/// The sort key of rule 1.
fn rank_key(job: &Waiting) -> (i64, JobId) {
    (-i64::from(job.priority), job.id)
}

fn check(case: &Case, plan: &Plan) {
    let by_id: BTreeMap<JobId, &Waiting> = case.waiting.iter().map(|j| (j.id, j)).collect();
    let mut order: Vec<&Waiting> = case.waiting.iter().collect();
    order.sort_by_key(|job| rank_key(job));

    // Every job in exactly one list, each list in rank order.
    let started: BTreeMap<JobId, &Vec<u32>> = plan.start.iter().map(|s| (s.id, &s.gpus)).collect();
    let waiting: BTreeMap<JobId, &str> = plan
        .waiting
        .iter()
        .map(|(id, r)| (*id, r.as_str()))
        .collect();
    let doomed: BTreeMap<JobId, &str> = plan
        .doomed
        .iter()
        .map(|(id, r)| (*id, r.as_str()))
        .collect();
    assert_eq!(
        started.len() + waiting.len() + doomed.len(),
        case.waiting.len()
    );
    for id in by_id.keys() {
        let lists = [
            started.contains_key(id),
            waiting.contains_key(id),
            doomed.contains_key(id),
        ];
        assert_eq!(lists.iter().filter(|in_it| **in_it).count(), 1, "job {id}");
    }
    let start_ids = plan.start.iter().map(|s| s.id);
    for ids in [
        start_ids.collect::<Vec<_>>(),
        plan.waiting.iter().map(|(id, _)| *id).collect(),
        plan.doomed.iter().map(|(id, _)| *id).collect(),
    ] {
        assert!(
            ids.windows(2)
                .all(|w| rank_key(by_id[&w[0]]) < rank_key(by_id[&w[1]]))
        );
    }

    // Replay the pass from the outcome.
    let present: BTreeSet<u32> = case.capacity.gpus.iter().copied().collect();
    let mut holder: BTreeMap<u32, GpuHolder> = present.iter().map(|&g| (g, Free)).collect();
    for &gpu in case.capacity.foreign.intersection(&present) {
        holder.insert(gpu, Foreign);
    }
    let running_cpus: u32 = case.running.iter().map(|r| r.cpus).sum();
    for job in &case.running {
        for gpu in job.gpus.iter().filter(|g| present.contains(g)) {
            holder.insert(*gpu, Job(job.id));
        }
    }
    let mut pool: BTreeSet<u32> = present
        .iter()
        .copied()
        .filter(|g| holder[g] == Free)
        .collect();
    let mut cpu_pool = case.capacity.cpu_slots.saturating_sub(running_cpus);
    // What jobs ahead claimed so far in the pass.
    let mut claimed: BTreeSet<u32> = BTreeSet::new();
    let mut cpus_claimed = 0;
    let mut started_cpus = 0;
    for (rank, job) in order.iter().enumerate() {
        let doom = job.after.iter().find(|&&d| {
            matches!(
                case.dependency(d),
                Dependency::Failed | Dependency::Cancelled | Dependency::Missing
            )
        });
        let pending = job
            .after
            .iter()
            .find(|&&d| case.dependency(d) == Dependency::Pending);
        if let Some(other) = doom {
            assert!(doomed[&job.id].starts_with(&format!("job {other}, which it runs after, ")));
            continue;
        }
        if let Some(other) = pending {
            assert_eq!(waiting[&job.id], format!("after job {other}"));
            continue;
        }
        if let Err(message) = check_fits(&case.capacity, job.cpus, &job.gpus) {
            assert_eq!(waiting[&job.id], message);
            continue;
        }
        let asked: Option<BTreeSet<u32>> = match &job.gpus {
            GpuRequest::Ids(ids) => Some(ids.iter().copied().collect()),
            GpuRequest::Count(_) => None,
        };
        let n = usize::try_from(job.gpus.count()).unwrap();
        if let Some(gpus) = started.get(&job.id) {
            assert!(gpus.windows(2).all(|w| w[0] < w[1]), "ascending: {gpus:?}");
            assert!(
                job.cpus <= cpu_pool,
                "job {} over-commits CPU slots",
                job.id
            );
            for gpu in gpus.iter() {
                assert!(
                    pool.remove(gpu),
                    "job {} got GPU {gpu}, not in the pool",
                    job.id
                );
                holder.insert(*gpu, Job(job.id));
            }
            match &asked {
                Some(ids) => assert_eq!(gpus.iter().copied().collect::<BTreeSet<_>>(), *ids),
                None => assert_eq!(gpus.len(), n),
            }
            cpu_pool -= job.cpus;
            started_cpus += job.cpus;
            continue;
        }
        let reason = waiting[&job.id];
        let claim: Vec<u32> = match &asked {
            Some(ids) => ids.intersection(&pool).copied().collect(),
            None => pool.iter().copied().take(n).collect(),
        };
        let gpus_short = claim.len() < asked.as_ref().map_or(n, BTreeSet::len);
        assert!(
            gpus_short || job.cpus > cpu_pool,
            "job {} could start",
            job.id
        );
        // Behind a claim exactly when it would fit were nothing claimed; else the shortages.
        let unclaimed: BTreeSet<u32> = pool.union(&claimed).copied().collect();
        let cpus_unheld = cpu_pool + cpus_claimed;
        let fits_unclaimed = job.cpus <= cpus_unheld
            && match &asked {
                Some(ids) => ids.is_subset(&unclaimed),
                None => unclaimed.len() >= n,
            };
        assert_eq!(
            reason.starts_with("behind "),
            fits_unclaimed,
            "job {}: {reason}",
            job.id
        );
        if !fits_unclaimed {
            let count_clause = format!(
                "needs {n} GPU{}, {} free",
                plural(job.gpus.count()),
                pool.len()
            );
            let gpu_clause = match &asked {
                Some(_) => reason.starts_with("needs GPU "),
                None => reason.starts_with(&count_clause),
            };
            assert_eq!(gpu_clause, gpus_short, "job {}: {reason}", job.id);
            let cpu_clause = format!(
                "needs {} CPU slot{}, {cpus_unheld} free",
                job.cpus,
                plural(job.cpus)
            );
            assert_eq!(
                reason.ends_with(&cpu_clause),
                job.cpus > cpus_unheld,
                "job {}: {reason}",
                job.id
            );
        }
        for gpu in &claim {
            pool.remove(gpu);
            claimed.insert(*gpu);
            holder.insert(*gpu, Reserved(job.id));
        }
        let cpus = job.cpus.min(cpu_pool);
        cpu_pool -= cpus;
        cpus_claimed += cpus;
        if let Some(rest) = reason.strip_prefix("behind ") {
            let number = rest
                .trim_start_matches("higher-priority job ")
                .trim_start_matches("job ");
            let ahead: JobId = number.split(',').next().unwrap().parse().unwrap();
            let position = order.iter().position(|j| j.id == ahead).unwrap();
            assert!(position < rank, "{reason} names a job that is not ahead");
            assert!(
                waiting.contains_key(&ahead),
                "{reason} names a job that does not wait"
            );
            let expected = match by_id[&ahead].priority > job.priority {
                true => format!("behind higher-priority job {ahead}"),
                false => format!("behind job {ahead}, submitted earlier"),
            };
            assert_eq!(reason, expected);
        } else {
            assert!(reason.starts_with("needs "), "job {}: {reason}", job.id);
        }
    }
    let expected: Vec<GpuSlot> = holder
        .into_iter()
        .map(|(index, holder)| GpuSlot { index, holder })
        .collect();
    assert_eq!(plan.gpus, expected);
    assert_eq!(plan.cpu_slots_used, running_cpus + started_cpus);
}

fn plural(n: impl Into<u64>) -> &'static str {
    if n.into() == 1 { "" } else { "s" }
}

#[test]
fn random_queues_keep_every_invariant() {
    let mut rng = Rng::new(2024);
    let mut outcomes = [0usize; 3];
    for round in 0..4000 {
        let mut case = generate(&mut rng);
        let plan = case.plan();
        let outcome = std::panic::catch_unwind(|| check(&case, &plan));
        if outcome.is_err() {
            panic!("round {round} failed:\n{case:#?}\n{plan:#?}");
        }
        outcomes[0] += plan.start.len();
        outcomes[1] += plan.waiting.len();
        outcomes[2] += plan.doomed.len();
        // The input order of the queue and of the running jobs does not matter.
        rng.shuffle(&mut case.waiting);
        rng.shuffle(&mut case.running);
        assert_eq!(case.plan(), plan, "round {round}: order changed the plan");
    }
    // The generator exercises every outcome plenty.
    assert!(outcomes.iter().all(|&count| count > 2000), "{outcomes:?}");
}
