/* SPDX-License-Identifier: MIT */
/*
 * model/hashmix.h - 64-bit hash mixing for state hashes.
 *
 * Scope: the few primitives model/statehash.c and the modules that hash
 * their own private state (model/oracle.c, policies) fold values with.
 * hash_fmix() is MurmurHash3's 64-bit finalizer (every input bit affects
 * every output bit); hash_mix() folds one word into a running hash in an
 * order-dependent way; a multiset is hashed by adding the hash_fmix() of
 * its members, which does not depend on the order they are visited in.
 *
 * Determinism: functions of their arguments only; the same on every
 * compiler and platform.  Not cryptographic.
 */
#ifndef PCSIM_MODEL_HASHMIX_H
#define PCSIM_MODEL_HASHMIX_H

#include <stdint.h>

static inline uint64_t hash_fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Fold @v into the running hash @h (order matters). */
static inline uint64_t hash_mix(uint64_t h, uint64_t v)
{
	return hash_fmix(h ^ (hash_fmix(v) + 0x9e3779b97f4a7c15ULL +
			      (h << 6) + (h >> 2)));
}

/* Fold the bytes of the string @s (NULL and "" differ) into @h. */
static inline uint64_t hash_str(uint64_t h, const char *s)
{
	uint64_t f = 0xcbf29ce484222325ULL;	/* FNV-1a 64 */

	if (!s)
		return hash_mix(h, 0x6e756c6cULL);	/* "null" */
	for (; *s; s++)
		f = (f ^ (unsigned char)*s) * 0x100000001b3ULL;
	return hash_mix(h, f);
}

#endif /* PCSIM_MODEL_HASHMIX_H */
