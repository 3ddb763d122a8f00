// SPDX-License-Identifier: MIT
/*
 * sim/sweep.c - a grid of workload parameter values (sim/sweep.h).
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "sim/sweep.h"

void sweep_init(struct sweep *s, const struct workload *w)
{
	memset(s, 0, sizeof(*s));
	s->w = w;
}

bool sweep_has(const struct sweep *s, unsigned int param)
{
	unsigned int i;

	for (i = 0; i < s->ndims; i++)
		if (s->dim[i].param == param)
			return true;
	return false;
}

size_t sweep_points(const struct sweep *s)
{
	size_t n = 1;
	unsigned int i;

	for (i = 0; i < s->ndims; i++)
		n *= s->dim[i].n;
	return n;
}

void sweep_point(const struct sweep *s, size_t i, const uint64_t *base,
		 uint64_t *v)
{
	unsigned int d;

	memcpy(v, base, WL_MAX_PARAMS * sizeof(*v));
	for (d = s->ndims; d-- > 0; ) {
		v[s->dim[d].param] = s->dim[d].vals[i % s->dim[d].n];
		i /= s->dim[d].n;
	}
}

/* One value "NAME=VAL" of dimension @d; Return: success (message). */
static bool sweep_value(struct sweep *s, struct sweep_dim *d,
			const char *name, const char *val, const char *prog,
			FILE *err)
{
	uint64_t v[WL_MAX_PARAMS];
	char *kv = g_strdup_printf("%s=%s", name, val);
	bool ok = workload_set(s->w, v, kv, prog, err);
	unsigned int i;

	g_free(kv);
	if (!ok)
		return false;
	for (i = 0; i < d->n; i++) {
		if (d->vals[i] == v[d->param]) {
			fprintf(err, "pcsim %s: --sweep %s: value '%s' given "
				"twice\n", prog, name, val);
			return false;
		}
	}
	if (d->n == SWEEP_MAX_VALUES) {
		fprintf(err, "pcsim %s: --sweep %s: more than %d values\n",
			prog, name, SWEEP_MAX_VALUES);
		return false;
	}
	d->vals[d->n++] = v[d->param];
	return true;
}

/* The values "v1,v2,..." of @d (@list is edited); Return: success. */
static bool sweep_values(struct sweep *s, struct sweep_dim *d,
			 const char *name, char *list, const char *prog,
			 FILE *err)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (!sweep_value(s, d, name, tok, prog, err))
			return false;
	if (d->n)
		return true;
	fprintf(err, "pcsim %s: --sweep %s: no values\n", prog, name);
	return false;
}

/* Can dimension @d be added?  Return: success (message). */
static bool sweep_room(const struct sweep *s, const struct sweep_dim *d,
		       const char *name, const char *prog, FILE *err)
{
	if (sweep_has(s, d->param)) {
		fprintf(err, "pcsim %s: --sweep %s given twice\n", prog,
			name);
		return false;
	}
	if (s->ndims == SWEEP_MAX_DIMS) {
		fprintf(err, "pcsim %s: more than %d --sweep options\n", prog,
			SWEEP_MAX_DIMS);
		return false;
	}
	if (sweep_points(s) * d->n > SWEEP_MAX_POINTS) {
		fprintf(err, "pcsim %s: the sweep has more than %d points\n",
			prog, SWEEP_MAX_POINTS);
		return false;
	}
	return true;
}

bool sweep_add(struct sweep *s, const char *spec, const char *prog,
	       FILE *err)
{
	const char *eq = strchr(spec, '=');
	char *name = g_strndup(spec, eq ? (size_t)(eq - spec) : strlen(spec));
	char *list = g_strdup(eq ? eq + 1 : "");
	int idx = workload_param_index(s->w, name);
	struct sweep_dim d = { 0 };
	bool ok = false;

	if (idx < 0 || !eq) {
		fprintf(err, "pcsim %s: --sweep '%s': want PARAM=V1,V2,... "
			"with a parameter of %s (pcsim workload --list)\n",
			prog, spec, s->w->name);
	} else {
		d.param = (unsigned int)idx;
		ok = sweep_values(s, &d, name, list, prog, err) &&
		     sweep_room(s, &d, name, prog, err);
	}
	if (ok)
		s->dim[s->ndims++] = d;
	g_free(name);
	g_free(list);
	return ok;
}
