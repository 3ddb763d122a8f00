/* SPDX-License-Identifier: MIT */
/*
 * sim/workload.h - realistic workloads for what-if experiments
 * (`pcsim workload`, `pcsim compare`; docs/WHATIF.md).
 *
 * Scope: text only.  A workload generator writes an ordinary .pcs scenario
 * that scenario_parse_string() accepts: sequential, or with one section of
 * `thread` blocks where a `threads` or `readers` parameter asks for one.
 * The text follows only from the workload, its parameters and the seed (a
 * splitmix64 stream of our own; never rand(), the clock or host addresses).
 *
 * Workloads and their parameters (defaults in brackets; every value is an
 * unsigned integer, but zipf-s, a decimal with up to 3 fractional digits):
 *
 *   container-layers  a base image of `files` [20] files of `min-kib`..
 *                     `max-kib` [16..64] KiB, cloned (cp --reflink=always)
 *                     into `containers` [8] containers; each container
 *                     reads `reads` [30] whole files picked with Zipf
 *                     exponent `zipf-s` [1.0], and `write-pct` [2] percent
 *                     of its operations overwrite 4 KiB of a file instead;
 *                     the containers run on `threads` [1] threads
 *                     (container i on thread i mod threads).
 *   vm-clones         a golden image of `image-kib` [4096] KiB cloned into
 *                     `clones` [4] VMs; each boots (reads its first
 *                     `boot-kib` [512] KiB), then does `writes` [64]
 *                     random 4 KiB overwrites with an fsync every
 *                     `fsync-every` [16] writes; the VMs take turns, or
 *                     write concurrently on `threads` [1] threads.
 *   srctree           `files` [200] source files of `min-kib`..`max-kib`
 *                     [1..16] KiB (sizes in bytes, not whole pages), copied
 *                     with cp --reflink=always, then "rebuilt": every copy
 *                     read in full, `rewrite-pct` [10] percent rewritten.
 *   dedupe-pass       `pairs` [16] pairs of identical files of `file-kib`
 *                     [64] KiB written independently, synced, caches
 *                     dropped; a reader maps and reads each pair's second
 *                     file (mmap -r, mread) and reads the first, the pair
 *                     is deduped (xfs_io dedupe) while still mapped, and
 *                     read again through the mapping; `readers` [0]
 *                     threads read every b file meanwhile.
 *   db-snapshots      a database file of `db-kib` [2048] KiB; `writes`
 *                     [128] random 4 KiB overwrites, each after
 *                     `reads-per-write` [1] random 4 KiB reads, an fsync
 *                     every `fsync-every` [16] writes, a reflink snapshot
 *                     (cp --reflink=always) every `snapshot-every` [32]
 *                     writes, read in full by a backup if `backup` [1].
 *   image-versions    two versions of an image of `files` [32] files of
 *                     `min-kib`..`max-kib` [16..128] KiB; `shared-pct`
 *                     [70] percent identical in both, `partial-pct` [0]
 *                     percent of the rest changed in one 4 KiB block, the
 *                     others new; version 2 built by `build` [1]: 0
 *                     written afresh, 1 reflinked where unchanged, 2
 *                     written, then deduped; if `cold` [1], caches
 *                     dropped after version 1 is written and again before
 *                     every file of version 1 is read, then version 2.
 *
 * Every workload also takes `step-ns` [500] (`set step-cost`: virtual ns a
 * kernel step takes, so that latency counts CPU work, not only I/O waits)
 * and `memory-kib` [0] (`set memory-limit`, KiB; 0: no limit, no reclaim).
 * A threaded workload draws the same random numbers as its sequential
 * form: only the order in which its lines run differs.
 *
 * Every scenario begins with comment lines naming the workload, the seed
 * and every parameter value, so that the text alone says how to make it
 * again, and ends with `sync`.
 */
#ifndef PCSIM_SIM_WORKLOAD_H
#define PCSIM_SIM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define WL_MAX_PARAMS	16	/* a workload's own and the common ones */

/* One named parameter of a workload. */
struct wl_param {
	const char *name;
	uint64_t def, min, max;	/* zipf-s: in thousandths */
	bool milli;		/* a decimal with 3 fractional digits */
	const char *help;
};

struct wl_gen;

/* A workload: its parameters and its generator. */
struct workload {
	const char *name;
	const char *summary;	/* what it resembles, one line */
	const struct wl_param *params;	/* WL_MAX_PARAMS at most */
	unsigned int nparams;
	void (*gen)(struct wl_gen *g, const uint64_t *v);
};

/* The i-th workload (0, 1, ...), or NULL past the last. */
const struct workload *workload_nth(unsigned int i);

/* The workload called @name, or NULL. */
const struct workload *workload_find(const char *name);

/*
 * The parameters of @w: its own (0..w->nparams - 1), then the common ones
 * every workload takes; workload_param() is NULL past the last.
 */
unsigned int workload_nparams(const struct workload *w);
const struct wl_param *workload_param(const struct workload *w,
				      unsigned int i);

/* Print @x, a value of @p (thousandths as a decimal with 3 digits). */
void workload_print_value(FILE *f, const struct wl_param *p, uint64_t x);

/* Fill @v (WL_MAX_PARAMS values) with @w's defaults. */
void workload_defaults(const struct workload *w, uint64_t *v);

/*
 * workload_set - apply "NAME=VALUE" (@kv) to @v.
 *
 * Return: true, or false after printing why to @err ("pcsim PROG: ...").
 */
bool workload_set(const struct workload *w, uint64_t *v, const char *kv,
		  const char *prog, FILE *err);

/* The index in @v of @w's parameter @name, or -1. */
int workload_param_index(const struct workload *w, const char *name);

/*
 * workload_check - the checks across parameters (min-kib <= max-kib).
 * Return: true, or false after printing why to @err ("pcsim PROG: ...").
 */
bool workload_check(const struct workload *w, const uint64_t *v,
		    const char *prog, FILE *err);

/*
 * workload_setup - the workload called @name with defaults in @v and the
 * @n "NAME=VALUE" strings @kv applied, min-kib <= max-kib checked.
 *
 * Return: the workload, or NULL after printing why on stderr.
 */
const struct workload *workload_setup(const char *name, uint64_t *v,
				      char **kv, int n, const char *prog);

/*
 * workload_text - the scenario of @w with parameter values @v and @seed.
 *
 * Return: a NUL-terminated malloc'ed string; free() it.
 */
char *workload_text(const struct workload *w, const uint64_t *v,
		    uint64_t seed);

/* Print @v as "NAME=VALUE NAME=VALUE ..." (no newline). */
void workload_print_params(FILE *f, const struct workload *w,
			   const uint64_t *v);

/* Print every workload, its parameters and defaults (--list). */
void workload_list(FILE *f);

/* workload_main - `pcsim workload NAME [--seed S] [--param k=v ...]`. */
int workload_main(int argc, char **argv);

#endif /* PCSIM_SIM_WORKLOAD_H */
