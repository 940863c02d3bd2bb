# CLI tests (label cli): shell scripts in tests/cli/ run against the xlc binary.
#   usage         help texts, unknown commands/options, command-line mistakes
#   check         `xlc check` and the tokens/ast dumps (needs the parser)
#   run_errors    `xlc run` with bad data files; nothing may be left behind
#   run_lowering  dump cg/cg-grad and `xlc run` end to end on tiny.xl; skipped (77) while the
#                 lowering cannot lower it
#   run_tokens    `xlc run` on tiny_lm.xl: token ids, seeded parameters, --loss; same skip
#   build         `xlc build --emit-dir` and `dump --stage=mlir` on tiny.xl: files, report,
#                 vectorization, disk cache, unwritable directories; same skip
#   determinism   bit-identical outputs of repeated runs for a fixed XLC_NUM_THREADS
#   train         `xlc train`: outputs, resume after SIGKILL == uninterrupted run, bad input
#   official_dict the official state dict (vanilla and CUDA sLSTM layouts) drives `xlc generate`
#   config        --config FILE (official experiment layout): YAML/JSON == options, overrides, errors
#   out_paths     a directory, FIFO, device or link to one at an output path: refused, untouched
#   ckpt_meta     edited checkpoint metadata, moments and parameters: refused by resume/eval/generate
#   ckpt_source   self-contained checkpoints: eval/generate/--resume/--init after the .xl moved
#                 or changed, old-format checkpoints, FILE ENTRY overriding the stored source
#   mutate        a checkpoint mutated ~280 ways: a clear error or a result, never a crash or hang
#   bad_files     FIFOs, devices, NUL bytes, oversized sources, a cache entry turned directory
#   stale_temps   temp files of killed writers are removed by the next writer of the output
#   mem_limits    runs larger than physical memory or RLIMIT_AS are refused with a message, status 1
#   zero_size     batch 0 and T = 0 from --inputs: the cpu backend writes what the ref backend writes
#   gradcheck     `xlc gradcheck` passes on stdlib entries and a user cell, fails on x * detach(x)
#   cumulative    cumsum/logcumsumexp: gradcheck of a block and a cell, the cg dump, both backends
#   causal        `check --causal`: stdlib LMs in every form pass, a reverse-cumsum model fails
#                 naming position and token; `train` refuses it and writes nothing
#   save_inputs   `run --random-inputs --save-inputs I` then `run --inputs I`: identical outputs
#   imports       `import`: the stdlib by name from any directory, relative paths, entries and
#                 diagnostics in imported files, cycles, missing files, duplicates, a diamond,
#                 XLC_STDLIB / XLC_STDLIB_DIR, an installed layout; examples/lm_import.xl runs
#   examples      examples/*.xl (issue 18's proof): check, gradcheck, a short training run, resume
#                 and eval after the sources moved; recurrent == parallel form (minGRU, RG-LRU)
#   small_defects issue 18 P6: random ids below what they index, quoted --set values, help
#                 texts, repeated non-finite training steps reported once
#   jit_cache     `xlc train` reports the kernels it compiled; a warm run compiles nothing;
#                 cold runs with 2 compile workers write identical caches (issue 18 item 6)
#   build_cuda    `xlc build --target cuda` and `dump --stage=cuda`: .cu/.ptx/report.txt (ptxas
#                 registers, spills, roofline), sm_80/sm_90, bf16/f64, errors; 77 without NVRTC
#   no_fallbacks  issue 18 item 5: no interpreter compute step in the training, gradient and decode
#                 plans of the stdlib entries and examples/ (`xlc build` report.txt, nothing compiled)
#   einsum_forms  issue 18 item 5: RG-LRU's parallel form as an einsum is planned with no more passes
#                 over its T x T weights than its broadcast-sum rewrite (training plans, dumps)
#   cuda          `xlc devices`, `--backend cuda` without a GPU: the cause (no driver library, the
#                 toolkit's stub) named, exit status 1, nothing written (issue 19)
#   diagnostics   issue 18 P6/P8: '...' entry inputs in check and run, no follow-up errors
#                 after a failed update, the broadcast-name warning, keyword typos, did you mean
set(XLC_CLI_DIR ${CMAKE_CURRENT_SOURCE_DIR}/cli)
# scripts that run the cpu backend (--backend cpu, `xlc build`, its kernel cache, its memory
# plan, "available: cpu, ref"): not registered in a build without it (XLC_WITH_CPU)
set(XLC_CLI_CPU build out_paths ckpt_meta cumulative save_inputs bad_files mem_limits zero_size causal examples jit_cache no_fallbacks einsum_forms)
foreach(t usage check run_errors run_lowering run_tokens build determinism train official_dict config out_paths ckpt_meta ckpt_source mutate gradcheck cumulative save_inputs causal
        small_defects imports diagnostics examples
        bad_files stale_temps mem_limits zero_size jit_cache build_cuda cuda no_fallbacks einsum_forms)
  if(NOT XLC_CPU AND t IN_LIST XLC_CLI_CPU)
    continue()
  endif()
  add_test(NAME cli.${t} COMMAND sh ${XLC_CLI_DIR}/${t}.sh $<TARGET_FILE:xlc> ${XLC_CLI_DIR})
  # 300 s: each script runs xlc tens of times, most compiling kernels (cold cache: cli.examples
  # takes 23-34 s alone on an idle 2-core machine, and CI machines have been 3-4x slower)
  set_tests_properties(cli.${t} PROPERTIES LABELS cli SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
# the reference cases (resolved in tests/CMakeLists.txt) for the official state-dict test
set_tests_properties(cli.official_dict PROPERTIES ENVIRONMENT "XLC_REF_DIR=${XLC_REF_DIR}")
# one official configuration field changed at a time: xlc's parameter shapes (through
# --config) equal the official constructors' (computed independently in the script); and
# xlstm_large's fused weight mode computes what the single mode does
add_test(NAME cli.config_fields COMMAND python3 ${XLC_CLI_DIR}/config_fields.py $<TARGET_FILE:xlc>)
set_tests_properties(cli.config_fields PROPERTIES LABELS cli TIMEOUT 300)
