//! Work in parallel, results in order: the organization run plans accounts
//! on several threads and still prints, writes and fails as if it had
//! planned them one after the other.
//!
//! The calling thread prepares each item in order (`prepare`: what must be
//! decided in order, such as which account a file is), worker threads run
//! `work` on them, and the calling thread hands each result to `emit` in the
//! items' order. At most `threads + 1` items are prepared and not yet
//! emitted, so memory holds a few accounts, not the organization.
//!
//! Errors come out as they would one item at a time: when `prepare` fails
//! on item `n`, every earlier item is emitted first (and the first error
//! among them wins); when `emit` fails, nothing after it is emitted.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Mutex, mpsc};

use crate::error::Error;

/// Runs `count` items through `prepare`, `work` and `emit` (see the module).
/// With one thread, each item is worked on the calling thread, in order.
/// `state` is what `prepare` and `emit` share, on the calling thread.
pub(super) fn run<S, P, R>(
    count: usize,
    threads: usize,
    state: &mut S,
    mut prepare: impl FnMut(&mut S, usize) -> Result<P, Error>,
    work: impl Fn(P) -> R + Sync,
    mut emit: impl FnMut(&mut S, R) -> Result<(), Error>,
) -> Result<(), Error>
where
    P: Send,
    R: Send,
{
    if threads <= 1 || count <= 1 {
        for n in 0..count {
            let item = prepare(state, n)?;
            emit(state, work(item))?;
        }
        return Ok(());
    }
    let (jobs, job_queue) = mpsc::channel::<(usize, P)>();
    let job_queue = Mutex::new(job_queue);
    let (results, done) = mpsc::channel::<(usize, std::thread::Result<R>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let results = results.clone();
            let (job_queue, work) = (&job_queue, &work);
            scope.spawn(move || {
                loop {
                    // The lock is held only to take a job, not to work on it.
                    let job = job_queue.lock().map(|queue| queue.recv());
                    let Ok(Ok((n, item))) = job else { break };
                    let result = catch_unwind(AssertUnwindSafe(|| work(item)));
                    if results.send((n, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(results);
        let mut order = InOrder {
            done,
            waiting: BTreeMap::new(),
            next: 0,
            sent: 0,
        };
        let outcome = (|| {
            for n in 0..count {
                while order.sent - order.next > threads {
                    order.emit_next(state, &mut emit)?;
                }
                let item = match prepare(state, n) {
                    Ok(item) => item,
                    Err(e) => {
                        order.emit_all(state, &mut emit)?;
                        return Err(e);
                    }
                };
                // The workers outlive this loop, so the queue is open.
                let _ = jobs.send((n, item));
                order.sent += 1;
            }
            order.emit_all(state, &mut emit)
        })();
        // Closing the queue ends the workers once they finish their job.
        drop(jobs);
        outcome
    })
}

/// The results not yet emitted, and which one is next.
struct InOrder<R> {
    done: mpsc::Receiver<(usize, std::thread::Result<R>)>,
    waiting: BTreeMap<usize, R>,
    /// The next item to emit.
    next: usize,
    /// How many items were handed to the workers.
    sent: usize,
}

impl<R> InOrder<R> {
    /// Waits for the next item's result and emits it. A worker's panic is
    /// resumed here, on the calling thread.
    fn emit_next<S>(
        &mut self,
        state: &mut S,
        emit: &mut impl FnMut(&mut S, R) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let result = loop {
            if let Some(result) = self.waiting.remove(&self.next) {
                break result;
            }
            match self.done.recv() {
                Ok((n, Ok(result))) => {
                    self.waiting.insert(n, result);
                }
                Ok((_, Err(panic))) => resume_unwind(panic),
                Err(_) => unreachable!("a worker stopped with its job unfinished"),
            }
        };
        self.next += 1;
        emit(state, result)
    }

    /// Emits every item handed out, in order.
    fn emit_all<S>(
        &mut self,
        state: &mut S,
        emit: &mut impl FnMut(&mut S, R) -> Result<(), Error>,
    ) -> Result<(), Error> {
        while self.next < self.sent {
            self.emit_next(state, emit)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_out_in_order_whatever_the_threads() {
        for threads in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            run(
                40,
                threads,
                &mut seen,
                |_, n| Ok(n),
                |n| {
                    // Later items finish first.
                    std::thread::sleep(std::time::Duration::from_micros(((40 - n) * 50) as u64));
                    n * 2
                },
                |seen, r| {
                    seen.push(r);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, (0..40).map(|n| n * 2).collect::<Vec<_>>());
        }
    }

    /// Runs ten items on one, two and four threads, `prepare` failing on
    /// item `prepare_fails` and `emit` on `emit_fails`: the error is the
    /// one an in-order run meets first, after the items before it.
    fn fails_in_order(
        prepare_fails: usize,
        emit_fails: Option<usize>,
        error: &str,
        emitted: &[usize],
    ) {
        for threads in [1, 2, 4] {
            let mut seen = Vec::new();
            let err = run(
                10,
                threads,
                &mut seen,
                |_, n| {
                    if n == prepare_fails {
                        Err(Error::input(format!("prepare {n}")))
                    } else {
                        Ok(n)
                    }
                },
                |n| n,
                |seen, r| {
                    if Some(r) == emit_fails {
                        return Err(Error::input(format!("emit {r}")));
                    }
                    seen.push(r);
                    Ok(())
                },
            )
            .unwrap_err();
            assert!(err.to_string().contains(error), "{threads} threads: {err}");
            assert_eq!(seen, emitted, "{threads} threads");
        }
    }

    #[test]
    fn an_error_in_prepare_comes_after_every_earlier_item() {
        fails_in_order(6, None, "prepare 6", &[0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn the_first_error_in_order_wins() {
        fails_in_order(7, Some(3), "emit 3", &[0, 1, 2]);
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let _ = run(
            4,
            2,
            &mut (),
            |_, n| Ok(n),
            |n| {
                assert!(n != 2, "boom");
                n
            },
            |_, _| Ok(()),
        );
    }
}
