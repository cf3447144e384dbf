//! `--only versus`: what a user waits for with Microsoft's BC v1.0 spec,
//! beside progenitor (`cargo progenitor`) on the same machine in the same
//! run when it is installed: generation through the README's command, a
//! clean build and a touch rebuild of the generated crate (its
//! dependencies already built), and our crate built with one feature.
//!
//! CPU time is the children's user and system time from `/proc/self/stat`
//! (Linux); elsewhere only wall time is shown.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Wall and CPU time of one command.
#[derive(Clone, Copy)]
struct Cost {
    wall: Duration,
    cpu: Option<Duration>,
}

/// User plus system time of the children this process has waited for.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at state.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 here.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ, 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn run(cmd: &mut Command) -> Result<Cost> {
    let cpu0 = children_cpu();
    let t = Instant::now();
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    let wall = t.elapsed();
    if !out.status.success() {
        bail!(
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
                .chars()
                .take(4000)
                .collect::<String>()
        );
    }
    let cpu = cpu0.zip(children_cpu()).map(|(a, b)| b.saturating_sub(a));
    Ok(Cost { wall, cpu })
}

fn median(mut v: Vec<Cost>, key: impl Fn(&Cost) -> Duration) -> Duration {
    v.sort_by_key(|c| key(c));
    key(&v[v.len() / 2])
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn cpu_of(v: &[Cost]) -> Option<Duration> {
    v.iter()
        .all(|c| c.cpu.is_some())
        .then(|| median(v.to_vec(), |c| c.cpu.unwrap_or_default()))
}

fn has_progenitor() -> bool {
    Command::new(env!("CARGO"))
        .args(["progenitor", "--help"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn ratio(ours: Duration, theirs: Duration) -> String {
    format!("{:.2}x", ours.as_secs_f64() / theirs.as_secs_f64().max(1e-9))
}

pub(crate) fn versus(root: &Path, rounds: usize) -> Result<()> {
    let Some((spec, _)) = crate::specs::sample_spec(root, "bc-api-v1.0.yaml") else {
        println!("== versus progenitor: the sample spec bc-api-v1.0.yaml is not there, skipped\n");
        return Ok(());
    };
    let progenitor = has_progenitor();
    println!(
        "== BC v1.0 as a user sees it{}",
        if progenitor { ", beside progenitor" } else { "" }
    );
    if !progenitor {
        println!("  (`cargo progenitor` is not installed: `cargo install cargo-progenitor` to compare)");
    }
    let dir = root.join("target/bench-versus");
    std::fs::create_dir_all(&dir)?;
    let spec_arg = spec.to_str().context("spec path")?;
    let ours_dir = dir.join("ours");
    let theirs_dir = dir.join("theirs");

    // Generation through the README's command (xtask in the dev profile),
    // warm: one untimed run first builds it.
    let ours_gen = || {
        run(Command::new(env!("CARGO"))
            .current_dir(root)
            .args(["xtask", "generate", "--spec", spec_arg, "--out"])
            .arg(&ours_dir)
            .args(["--crate-name", "ours"]))
    };
    let theirs_gen = || {
        run(Command::new(env!("CARGO"))
            .args(["progenitor", "-i", spec_arg, "-o"])
            .arg(&theirs_dir)
            .args(["-n", "theirs", "-v", "0.1.0"]))
    };
    ours_gen()?;
    if progenitor {
        theirs_gen()?;
    }
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds.max(9) {
        ours.push(ours_gen()?);
        if progenitor {
            theirs.push(theirs_gen()?);
        }
    }
    let ours_wall = median(ours, |c| c.wall);
    print!(
        "  generate, warm (median of {}): `cargo xtask generate` {}",
        rounds.max(9),
        secs(ours_wall)
    );
    if progenitor {
        let theirs_wall = median(theirs, |c| c.wall);
        print!(
            ", `cargo progenitor` {}: {}",
            secs(theirs_wall),
            ratio(ours_wall, theirs_wall)
        );
    }
    println!();

    // Both crates in one scratch workspace sharing a target folder, each
    // manifest's `[workspace]` table dropped.
    for crate_dir in [&ours_dir, &theirs_dir] {
        let manifest = crate_dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            let text = match text.find("\n[workspace]") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            let text = text.replace("# A crate of its own, not a member of an enclosing workspace.\n", "");
            std::fs::write(&manifest, text)?;
        }
    }
    let members = if progenitor { "\"ours\", \"theirs\"" } else { "\"ours\"" };
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{members}]\n"),
    )?;
    let target = root.join("target/bench-versus-target");
    let cargo = |args: &[&str]| -> Result<Cost> {
        run(Command::new(env!("CARGO"))
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .args(args))
    };
    // Dependencies first, so the figures are the crates' own.
    cargo(&["build", "--quiet", "--workspace"])?;
    let mut crates: Vec<(&str, PathBuf)> = vec![("ours", ours_dir.clone())];
    if progenitor {
        crates.push(("theirs", theirs_dir.clone()));
    }
    let mut clean: Vec<Vec<Cost>> = vec![Vec::new(); crates.len()];
    let mut touch: Vec<Vec<Cost>> = vec![Vec::new(); crates.len()];
    // Alternating, so that neither side always runs on a busier machine.
    for _ in 0..rounds {
        for (i, (name, path)) in crates.iter().enumerate() {
            cargo(&["clean", "--quiet", "-p", name])?;
            clean[i].push(cargo(&["build", "--quiet", "-p", name])?);
            let lib = path.join("src/lib.rs");
            let text = std::fs::read(&lib)?;
            std::fs::write(&lib, text)?;
            touch[i].push(cargo(&["build", "--quiet", "-p", name])?);
        }
    }
    for (label, costs) in [("clean build", &clean), ("touch rebuild", &touch)] {
        let ours_cpu = cpu_of(&costs[0]);
        let ours_wall = median(costs[0].clone(), |c| c.wall);
        print!(
            "  {label} (debug, median of {rounds}): ours {} CPU, {} wall",
            ours_cpu.map(secs).unwrap_or_else(|| "?".to_owned()),
            secs(ours_wall)
        );
        if progenitor {
            let theirs_cpu = cpu_of(&costs[1]);
            let theirs_wall = median(costs[1].clone(), |c| c.wall);
            print!(
                "; progenitor {} CPU, {} wall",
                theirs_cpu.map(secs).unwrap_or_else(|| "?".to_owned()),
                secs(theirs_wall)
            );
            if let (Some(a), Some(b)) = (ours_cpu, theirs_cpu) {
                print!(": {} of progenitor's CPU", ratio(a, b));
            }
        }
        println!();
    }

    // One feature at a time, against our full build.
    let full = cpu_of(&clean[0]);
    let names = crate::specs::manifest_features(&std::fs::read_to_string(ours_dir.join("Cargo.toml"))?);
    if names.is_empty() {
        println!("  (the crate has no features)");
        println!();
        return Ok(());
    }
    let mut shares = Vec::new();
    for name in &names {
        cargo(&["clean", "--quiet", "-p", "ours"])?;
        let cost = cargo(&[
            "build",
            "--quiet",
            "-p",
            "ours",
            "--no-default-features",
            "--features",
            name,
        ])?;
        if let (Some(cpu), Some(full)) = (cost.cpu, full) {
            shares.push((cpu.as_secs_f64() / full.as_secs_f64(), name.clone(), cpu));
        }
    }
    shares.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let (Some(min), Some(max)) = (shares.first(), shares.last()) {
        let mid = &shares[shares.len() / 2];
        println!(
            "  one feature alone, of the full clean build's CPU ({} features): least `{}` {:.1}% ({}), median `{}` {:.1}% ({}), most `{}` {:.1}% ({})",
            shares.len(),
            min.1,
            min.0 * 100.0,
            secs(min.2),
            mid.1,
            mid.0 * 100.0,
            secs(mid.2),
            max.1,
            max.0 * 100.0,
            secs(max.2)
        );
        let under = shares.iter().filter(|s| s.0 <= 0.10).count();
        println!("  {under} of {} features build in at most 10% of it", shares.len());
        if let Some(item) = shares.iter().find(|s| s.1 == "item") {
            println!("  `item` alone: {:.1}% ({})", item.0 * 100.0, secs(item.2));
        }
    }
    println!();
    Ok(())
}
