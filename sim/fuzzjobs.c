// SPDX-License-Identifier: MIT
/*
 * sim/fuzzjobs.c - `pcsim fuzz --jobs K`: K worker processes, one campaign
 * each, on disjoint seed ranges (sim/fuzz.h).
 *
 * Seeds: with --runs N, worker w runs the block of N/K consecutive seeds
 * (the first N%K workers one more) that starts where worker w-1's ends, so
 * together they run exactly seeds S..S+N-1, each as its own campaign (its
 * own coverage bias: a find's reproduce line names the worker's first
 * seed).  With --time, worker w starts at S + w * 2^32 and runs until the
 * time is up.  The parent only waits, merges the workers' results and
 * coverage, and prints the summary; a worker prints its violations and
 * generator bugs itself, as a single campaign does.  The first worker that
 * stops on a violation or a generator bug stops the others (SIGTERM):
 * their runs are not counted.
 *
 * Determinism: each worker's campaign is a function of its options; which
 * one finds a violation first in wall-clock time is not, so a run that
 * finds one may report a different one from run to run (all reproduce).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "model/never.h"
#include "sim/fuzz.h"

#define FUZZ_JOBS_MAX	64
#define TIME_STRIDE	(1ULL << 32)	/* seeds between workers under --time */

typedef unsigned long long ull;

struct worker {
	pid_t pid;
	int fd;				/* read end of its result pipe */
	uint64_t seed;			/* its first seed */
	bool have;			/* its result arrived */
	struct fuzz_result res;
};

/* Worker @w's options: its seed block and budget. */
static struct fuzz_opts worker_opts(const struct fuzz_opts *o, int w)
{
	struct fuzz_opts wo = *o;
	uint64_t per = o->runs / o->jobs, extra = o->runs % o->jobs;

	wo.jobs = 1;
	if (!o->runs) {
		wo.seed = o->seed + (uint64_t)w * TIME_STRIDE;
		return wo;
	}
	wo.runs = per + ((uint64_t)w < extra);
	wo.seed = o->seed + (uint64_t)w * per +
		  ((uint64_t)w < extra ? (uint64_t)w : extra);
	return wo;
}

/* In the child: run the campaign, send the result, never return. */
static void worker_main(const struct fuzz_opts *wo, FILE *progress, int fd)
{
	struct fuzz_result res;
	const char *p = (const char *)&res;
	size_t left = sizeof(res);

	fuzz_campaign(wo, progress, &res);
	fflush(progress);
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(2);
		p += n;
		left -= (size_t)n;
	}
	_exit(res.status);
}

static int spawn(const struct fuzz_opts *o, FILE *progress,
		 struct worker *wk, int w)
{
	struct fuzz_opts wo = worker_opts(o, w);
	int fds[2];

	if (!wo.runs && o->runs)	/* more jobs than runs */
		return 0;
	if (pipe(fds)) {
		fprintf(stderr, "pcsim fuzz: pipe: %s\n", strerror(errno));
		return -1;
	}
	fflush(NULL);		/* the child must not write our buffers again */
	wk->seed = wo.seed;
	wk->pid = fork();
	if (wk->pid < 0) {
		fprintf(stderr, "pcsim fuzz: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (!wk->pid) {
		close(fds[0]);
		worker_main(&wo, progress, fds[1]);
	}
	close(fds[1]);
	wk->fd = fds[0];
	return 0;
}

/* Read @wk's result, if it sent one (a killed worker did not). */
static void collect(struct worker *wk)
{
	char *p = (char *)&wk->res;
	size_t got = 0;

	while (got < sizeof(wk->res)) {
		ssize_t n = read(wk->fd, p + got, sizeof(wk->res) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	wk->have = got == sizeof(wk->res);
	close(wk->fd);
}

/* Wait for every worker; the first that stops on a find stops the rest. */
static void wait_all(struct worker *wk, int n)
{
	int left = 0, i, status;
	bool stopping = false;

	for (i = 0; i < n; i++)
		left += wk[i].pid > 0;
	while (left > 0) {
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break;
		left--;
		if (stopping || !WIFEXITED(status) || !WEXITSTATUS(status))
			continue;
		stopping = true;
		for (i = 0; i < n; i++)
			if (wk[i].pid > 0 && wk[i].pid != pid)
				kill(wk[i].pid, SIGTERM);
	}
	for (i = 0; i < n; i++)
		if (wk[i].pid > 0)
			collect(&wk[i]);
}

/* "S..E" per worker that reported, adjacent blocks joined. */
static char *seed_ranges(const struct worker *wk, int n)
{
	GString *s = g_string_new(NULL);
	uint64_t start = 0, next = 0;
	bool open = false;
	int i;

	for (i = 0; i < n; i++) {
		if (!wk[i].have || !wk[i].res.runs)
			continue;
		if (open && wk[i].seed == next) {
			next += wk[i].res.runs;
			continue;
		}
		if (open)
			g_string_append_printf(s, "%s%llu..%llu",
					       s->len ? ", " : "", (ull)start,
					       (ull)(next - 1));
		start = wk[i].seed;
		next = start + wk[i].res.runs;
		open = true;
	}
	if (open)
		g_string_append_printf(s, "%s%llu..%llu", s->len ? ", " : "",
				       (ull)start, (ull)(next - 1));
	else
		g_string_append(s, "none");
	return g_string_free(s, FALSE);
}

static int summarize(const struct fuzz_opts *o, FILE *progress,
		     const struct worker *wk, int n, gint64 t0)
{
	struct fuzz_result sum = { 0 };
	double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	uint64_t violations = 0;
	char *seeds = seed_ranges(wk, n);
	int i, st = 0, lost = 0;

	for (i = 0; i < n; i++) {
		if (wk[i].pid <= 0)
			continue;
		if (!wk[i].have) {
			lost++;
			continue;
		}
		sum.runs += wk[i].res.runs;
		sum.schedules += wk[i].res.schedules;
		cov_merge(&sum.cov, &wk[i].res.cov);
		violations += wk[i].res.status == 1;
		if (wk[i].res.status > st)
			st = wk[i].res.status;
	}
	fprintf(progress, "fuzz: %llu runs (%llu schedules), %llu violations, "
		"policy %s, seeds %s, coverage %llu/%llu\n", (ull)sum.runs,
		(ull)sum.schedules, (ull)violations, o->policy, seeds,
		(ull)cov_pairs(&sum.cov), (ull)cov_universe());
	fprintf(progress, "fuzz: %.1f s, %.0f runs/s, %d jobs", secs,
		secs > 0 ? (double)sum.runs / secs : 0, o->jobs);
	if (lost)
		fprintf(progress, " (%d stopped early, not counted)", lost);
	fputc('\n', progress);
	if (o->coverage)
		fuzz_print_coverage(progress, &sum.cov);
	g_free(seeds);
	return lost && !st ? 2 : st;
}

int fuzz_jobs(const struct fuzz_opts *o, FILE *progress)
{
	struct worker wk[FUZZ_JOBS_MAX];
	gint64 t0 = g_get_monotonic_time();
	int n = o->jobs < FUZZ_JOBS_MAX ? o->jobs : FUZZ_JOBS_MAX, i;
	int bad = 0;

	memset(wk, 0, sizeof(wk));
	for (i = 0; i < n && !bad; i++)
		bad = spawn(o, progress, &wk[i], i);
	if (bad)
		for (i = 0; i < n; i++)
			if (wk[i].pid > 0)
				kill(wk[i].pid, SIGTERM);
	wait_all(wk, n);
	if (bad)
		return 2;
	return summarize(o, progress, wk, n, t0);
}
