# SPDX-License-Identifier: Apache-2.0
# run_fuzz.cmake — runs one libFuzzer target for a short time under CTest
# (tests/CMakeLists.txt registers each as fuzz.<name>, label "fuzz").
#
#   cmake -DFUZZER=<binary> -DSECONDS=<n> -DWORK=<dir> -DCORPUS=<dir>
#         [-DREGRESSIONS=<dir>] [-DDICT=<file>] -P run_fuzz.cmake
#
# libFuzzer writes the new inputs it finds into the first corpus directory it
# is given: that is WORK/scratch, emptied on every run, so the committed seed
# corpus (CORPUS) and the saved crash inputs (REGRESSIONS) are only read.
# A crash, leak, timeout or out-of-memory input is written to WORK/artifacts/.
foreach(v FUZZER SECONDS WORK CORPUS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzz.cmake: -D${v}=... is required")
  endif()
endforeach()
if(NOT IS_DIRECTORY "${CORPUS}")
  message(FATAL_ERROR "run_fuzz.cmake: seed corpus ${CORPUS} is missing; "
    "generate it with fuzz_make_corpus (see tests/fuzz/README.md)")
endif()

file(REMOVE_RECURSE "${WORK}/scratch")
file(MAKE_DIRECTORY "${WORK}/scratch" "${WORK}/artifacts")
set(dirs "${WORK}/scratch" "${CORPUS}")
if(DEFINED REGRESSIONS AND IS_DIRECTORY "${REGRESSIONS}")
  list(APPEND dirs "${REGRESSIONS}")
endif()
set(extra)
if(DEFINED DICT AND EXISTS "${DICT}")
  list(APPEND extra "-dict=${DICT}")
endif()

execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -rss_limit_mb=2048 -timeout=10
          -print_final_stats=1 "-artifact_prefix=${WORK}/artifacts/" ${extra} ${dirs}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} found a problem (exit ${rc}); the input is in "
    "${WORK}/artifacts/. Reproduce with: ${FUZZER} <that file>")
endif()
