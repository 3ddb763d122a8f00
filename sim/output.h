/* SPDX-License-Identifier: MIT */
/*
 * sim/output.h - what the real tools print, byte for byte.
 *
 * Scope: formatting only.  The scenario runner (sim/runner.c) decides what
 * happened; these helpers print it the way xfs_io 6.1 and coreutils 9.1 do
 * in the C locale, already passed through fstests' _filter_xfs_io, so that
 * pcsim's output can be compared with goldens recorded on a real kernel
 * (scripts/kernel-golden).  Also here: the unified diff that `pcsim check`
 * shows when an output differs from its golden, and the run metrics that
 * `pcsim run --stats` prints after a scenario's output.
 *
 * Nothing here depends on the locale, the C library's strerror() texts, the
 * clock or pointer values: the same arguments always give the same bytes.
 */
#ifndef PCSIM_SIM_OUTPUT_H
#define PCSIM_SIM_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* xfs_io's timing line after _filter_xfs_io: always the same text. */
#define OUT_XFS_IO_STATS \
	"XXX Bytes, X ops; XX:XX:XX.X (XXX YYY/sec and XXX ops/sec)"

/* Lines of diff that `pcsim check` shows for a failing scenario. */
#define OUT_DIFF_MAX_LINES	40

/* Formats of `pcsim run --stats` (--stats-format NAME). */
enum out_stats_fmt {
	OUT_STATS_TABLE,	/* "== stats: NAME (policy P)", then metrics */
	OUT_STATS_JSON,		/* one JSON object on one line (JSON Lines) */
};

struct sys_stats;

/* How coreutils quotes a file name in a message (gnulib quotearg). */
enum out_quote {
	OUT_QUOTE_NEEDED,	/* quotef(): only if the shell would need it */
	OUT_QUOTE_ALWAYS,	/* quoteaf(): always ('name' at least) */
};

/*
 * The tools' messages below (out_printf() to out_quoted()) print nothing
 * when @f is NULL: the output of a quiet run (fuzz, shrink), which nobody
 * reads, is not even formatted.
 */
void out_printf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *out_strerror(int err);
void out_perror(FILE *f, const char *what, int err);
void out_io_report(FILE *f, const char *verb, uint64_t total, uint64_t count,
		   uint64_t off);
void out_md5_hex(const uint8_t md5[16], char hex[33]);
void out_md5sum_line(FILE *f, const uint8_t md5[16], const char *name);
void out_quoted(FILE *f, const char *name, enum out_quote how);
size_t out_udiff(FILE *f, const char *a_label, const char *a, size_t alen,
		 const char *b_label, const char *b, size_t blen,
		 size_t max_lines);
int out_stats_format(const char *name);
void out_stats(FILE *f, enum out_stats_fmt fmt, const char *scenario,
	       const char *policy, const struct sys_stats *s);

/* @s as a JSON string literal (quotes, backslash, controls escaped). */
void out_json_string(FILE *f, const char *s);

#endif /* PCSIM_SIM_OUTPUT_H */
