//! `station agent [status|stop]`: run or control the agent.

use std::process::ExitCode;

use super::AgentArgs;

pub fn run(args: AgentArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`station agent` is not built yet")
}
