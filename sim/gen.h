/* SPDX-License-Identifier: MIT */
/*
 * sim/gen.h - random scenario generation for `pcsim fuzz`.
 *
 * Scope: text only.  gen_scenario() writes the text of a .pcs scenario that
 * scenario_parse_string() accepts, deterministic in its seed (a splitmix64
 * stream of our own; never rand(), the clock or host addresses).
 *
 * Swarm testing (Groce et al., ISSTA'12): each seed first picks a random
 * subset of the operation kinds (gen_kind) and a weight for each, then draws
 * the operations from that subset, so that some runs hammer a few kinds
 * instead of every run averaging over all of them.
 *
 * Shape of a scenario:
 *   - `set step-bound 1000000` (a livelock shows in a second); a 4 MiB disk,
 *     or one time in eight a tiny one (8-64 blocks: ENOSPC paths);
 *     optional `set memory-limit` (small) and `set io-latency`;
 *   - a top-level prefix creating 1..3 files f0.. with pwrite;
 *   - o->ops operations: top level if o->threads <= 1, else one section of
 *     o->threads threads T1.. with the operations spread over them (every
 *     thread gets at least one);
 *   - a top-level `md5sum` of every file.
 * Sizes and offsets are block aligned or not, within 0..64k.  Every file
 * keeps a floor size (truncate never goes below it, nothing else shrinks
 * it), and mmap ranges stay below it, so a mapping never reaches past EOF
 * whatever the interleaving.  cp --reflink=always (which truncates its
 * destination) writes only to files c0.. of its own.  Half of the mmap
 * stores follow an mread of the same range in the same mapping, so that
 * they fault on present read-only PTEs (the write-protect path).
 *
 * The kernel profile (gen_opts.kernel; `pcsim gen --kernel`, the scenarios
 * of scripts/kernel-diff) emits only what a real kernel runs with the same
 * result on XFS and btrfs: sequential, no `set` line (pcsim's default
 * 1 GiB disk and the harness's 512 MiB image are both far from ENOSPC for
 * files of at most a few hundred KiB), no `writeback` (the kernel has no
 * user-space trigger for the flusher alone), direct I/O only in multiples
 * of 512 bytes.  It adds direct writes and reads, cycle_mount, fdatasync,
 * and remap ranges of every kind generic_remap_checks() tells apart:
 * block aligned, unaligned, beyond EOF, to EOF (len 0, or ending at the
 * size the generator expects), and within one file.  The generator keeps
 * an estimate of each file's size for the to-EOF ranges; an estimate that
 * is wrong (an operation failed) only makes a different, still valid,
 * test.  The fuzz profile's stream
 * of choices is not changed by any of this: the same seed gives the same
 * fuzz scenario as before the profile existed.
 */
#ifndef PCSIM_SIM_GEN_H
#define PCSIM_SIM_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gen_opts {
	int threads;		/* > 1: a concurrent section of that many */
	int ops;		/* operations (at least one per thread) */
	/*
	 * Coverage bias (may be NULL): bias[k] > 0 makes kind k more likely
	 * to join the swarm and heavier in it (sim/fuzz.c feeds back the
	 * kinds of runs that reached new model coverage).
	 */
	const unsigned int *bias;
	unsigned int swarm;	/* out: bit k set if kind k was in the swarm */
	bool kernel;		/* the kernel profile: sequential (threads
				   is ignored), real-kernel lines only */
};

/* Operation kinds the swarm picks from. */
enum gen_kind {
	GK_PWRITE, GK_PREAD, GK_MWRITE, GK_MREAD, GK_TRUNCATE, GK_FPUNCH,
	GK_FZERO, GK_FALLOC, GK_REFLINK_WHOLE, GK_REFLINK_RANGE, GK_DEDUPE,
	GK_FSYNC, GK_CP, GK_MD5SUM, GK_DROP_CACHES, GK_SYNC, GK_WRITEBACK,
	GK_NR_FUZZ,		/* the fuzz profile draws the kinds above */
	GK_DIO_WRITE = GK_NR_FUZZ, GK_DIO_READ, GK_CYCLE_MOUNT,
	GK_NR			/* the kernel profile: all but GK_WRITEBACK */
};

/* splitmix64 (Steele et al.): the seed of run i is gen_mix(seed + i). */
uint64_t gen_mix(uint64_t x);

/*
 * gen_scenario - the text of a random scenario.
 * @seed: everything in the text follows from it.
 * @o:    threads and operations; NULL for one thread, 8 operations.
 *
 * Return: a NUL-terminated malloc'ed string; free() it.
 */
char *gen_scenario(uint64_t seed, struct gen_opts *o);

/*
 * gen_scenario_bytes - the text of a scenario decoded from @data, for
 * coverage-guided engines (libFuzzer, AFL++) that mutate bytes.
 *
 * Layout: byte 0 picks the threads (1..4), byte 1 the operations (1..16),
 * byte 2 the schedule (random or pct), bytes 3..10 the schedule seed; every
 * later choice the generator makes reads as few bytes as it needs (one for
 * a choice among at most 256), and zeros once @data runs out.  So a short
 * input is a small scenario, and a mutated byte changes one choice.  The
 * schedule is written into the text (`set schedule`, `set seed`), so the
 * text alone replays the input.
 *
 * Return: a NUL-terminated malloc'ed string; free() it.
 */
char *gen_scenario_bytes(const uint8_t *data, size_t size);

#endif /* PCSIM_SIM_GEN_H */
