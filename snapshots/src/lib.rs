//! The snapshot corpus of `pare`'s user-visible output: cases in `cases/`,
//! the harness in `tests/it/main.rs`, the pinned output in `tests/it/snapshots/`.
