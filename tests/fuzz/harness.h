/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/harness.h - the entry points of a libFuzzer-style harness.
 *
 * Scope: declarations only.  Each harness (fuzz_scenario.c, fuzz_parser.c)
 * defines both functions; the engine calls them: libFuzzer
 * (-fsanitize=fuzzer), AFL++'s libAFLDriver (afl-clang-fast
 * -fsanitize=fuzzer), or standalone_main.c, which replays files.
 *
 * Contract (libFuzzer's): LLVMFuzzerInitialize() runs once, before the
 * first input; LLVMFuzzerTestOneInput() returns 0, frees everything it
 * allocated, keeps no state from one input to the next, and abort()s on a
 * finding, so that the engine saves the input as a crash.
 */
#ifndef PCSIM_TESTS_FUZZ_HARNESS_H
#define PCSIM_TESTS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* PCSIM_TESTS_FUZZ_HARNESS_H */
