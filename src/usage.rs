//! The user-error type shared by every layer that checks input on behalf of a command
//! (exit code 2). It sits below the commands so that `scenario`, `calibrate` and `shard` can
//! raise it without depending on them.

/// A mistake in the user's input (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A [`UsageError`] as an `anyhow::Error`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// A study stopped by Ctrl-C (or SIGTERM/SIGHUP) after saving its checkpoint: the message says
/// how to resume it (exit code 130).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);
