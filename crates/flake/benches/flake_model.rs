//! Benchmark of the flake model on GENERATED inputs.
//!
//! `cargo bench -p flake --bench flake_model` builds a flake.nix with 150 inputs (every
//! declaration form, follows) and a 3,000-line `outputs`, a flake.lock with 1,000 nodes, and a
//! 1.5 MB module that receives `inputs`; it reports the median over 11 runs of: model building
//! (parse included), lock parsing, all flake checks, and `InputResolver::collect_uses` on the big
//! module. Target: everything a keystroke in flake.nix triggers (model + checks) stays well under
//! 10 ms for a realistic flake; the 1.5 MB module under 100 ms.

use std::time::{Duration, Instant};

use flake::{FlakeContext, FlakeModel, InputRef, InputResolver, Lock, LockState, check_flake};

fn flake_nix(inputs: usize, lines: usize) -> String {
    let mut text = String::from("{\n  description = \"generated\";\n  inputs = {\n");
    for i in 0..inputs {
        match i % 4 {
            0 => text.push_str(&format!("    in{i}.url = \"github:owner{i}/repo{i}/main\";\n")),
            1 => text.push_str(&format!(
                "    in{i} = {{ url = \"github:owner{i}/repo{i}\"; inputs.in0.follows = \"in0\"; }};\n"
            )),
            2 => text.push_str(&format!(
                "    in{i} = {{ type = \"github\"; owner = \"o{i}\"; repo = \"r{i}\"; flake = false; }};\n"
            )),
            _ => text.push_str(&format!("    in{i}.follows = \"in{}\";\n", i - 1)),
        }
    }
    text.push_str(
        "  };\n  outputs = { self, in0, ... }@inputs: let\n    np = inputs.in0;\n  in {\n",
    );
    for l in 0..lines {
        let i = l % inputs;
        text.push_str(&format!(
            "    out{l} = [ inputs.in{i}.x np.lib.y self.inputs.in{i} (f{l} in0) ];\n"
        ));
    }
    text.push_str("  };\n}\n");
    text
}

fn flake_lock(nodes: usize) -> String {
    let mut text = String::from("{\n  \"nodes\": {\n");
    let mut root_inputs = Vec::new();
    for i in 0..nodes {
        text.push_str(&format!(
            "    \"in{i}\": {{ \"inputs\": {{ \"in0\": [\"in0\"] }}, \"locked\": {{ \"lastModified\": 1727348695, \"narHash\": \"sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=\", \"owner\": \"owner{i}\", \"repo\": \"repo{i}\", \"rev\": \"1925c603f17fc89f4c8f6bf6f631a802ad85d784\", \"type\": \"github\" }}, \"original\": {{ \"owner\": \"owner{i}\", \"ref\": \"main\", \"repo\": \"repo{i}\", \"type\": \"github\" }} }},\n"
        ));
        root_inputs.push(format!("\"in{i}\": \"in{i}\""));
    }
    text.push_str(&format!(
        "    \"root\": {{ \"inputs\": {{ {} }} }}\n  }},\n  \"root\": \"root\",\n  \"version\": 7\n}}\n",
        root_inputs.join(", ")
    ));
    text
}

fn big_module(bytes: usize) -> String {
    let mut text =
        String::from("{ inputs, pkgs, lib, ... }:\nlet\n  hm = inputs.home-manager;\nin {\n");
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "  services.svc{i}.enable = lib.mkIf (pkgs.stdenv.isLinux && config{i}.x) true;\n  imports{i} = [ hm.nixosModules.x inputs.in{} ];\n",
            i % 50
        ));
        i += 1;
    }
    text.push_str("}\n");
    text
}

fn median(label: &str, runs: usize, mut f: impl FnMut()) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    println!(
        "{label:<48} median {:>9.3} ms",
        samples[runs / 2].as_secs_f64() * 1e3
    );
}

fn main() {
    let typical = flake_nix(10, 100);
    let typical_lock = flake_lock(10);
    median(
        "typical flake: model + lock + checks (10 inputs)",
        101,
        || {
            let model = FlakeModel::from_text(&typical);
            let lock = Lock::parse(&typical_lock).ok();
            let cx = FlakeContext {
                model: &model,
                nix_text: &typical,
                nix_file: base::FileId(0),
                lock_file: Some(base::FileId(1)),
                lock: lock.as_ref().map_or(LockState::Missing, LockState::Loaded),
                used_elsewhere: &Default::default(),
            };
            std::hint::black_box(check_flake(&cx));
        },
    );
    let nix = flake_nix(150, 3_000);
    let lock_text = flake_lock(1_000);
    let module = big_module(1_500_000);
    println!(
        "flake.nix {} KB, flake.lock {} KB, module {} KB",
        nix.len() / 1024,
        lock_text.len() / 1024,
        module.len() / 1024
    );
    median("FlakeModel::from_text (150 inputs, 3k lines)", 11, || {
        std::hint::black_box(FlakeModel::from_text(&nix));
    });
    let parse = syntax::parse(&nix);
    median("FlakeModel::from_parse (parse excluded)", 11, || {
        std::hint::black_box(FlakeModel::from_parse(&parse));
    });
    median("Lock::parse (1,000 nodes)", 11, || {
        std::hint::black_box(Lock::parse(&lock_text).ok());
    });
    let model = FlakeModel::from_text(&nix);
    let lock = Lock::parse(&lock_text).expect("generated lock parses");
    median("check_flake (all flake diagnostics)", 11, || {
        let cx = FlakeContext {
            model: &model,
            nix_text: &nix,
            nix_file: base::FileId(0),
            lock_file: Some(base::FileId(1)),
            lock: LockState::Loaded(&lock),
            used_elsewhere: &Default::default(),
        };
        std::hint::black_box(check_flake(&cx));
    });
    let module_parse = syntax::parse(&module);
    let root = module_parse.syntax_node();
    let seed = root
        .descendants()
        .find(|n| n.kind() == syntax::SyntaxKind::NODE_IDENT)
        .expect("the module pattern names `inputs`");
    let resolver = InputResolver::new([(seed.text_range(), InputRef::AllInputs)]);
    median(
        "collect_uses on a 1.5 MB module (parse excluded)",
        5,
        || {
            std::hint::black_box(resolver.collect_uses(&root));
        },
    );
    let uses = resolver.collect_uses(&root);
    println!(
        "  ({} uses, {} escapes)",
        uses.uses.len(),
        uses.escapes.len()
    );
}
