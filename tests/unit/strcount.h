/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/strcount.h - a helper the unit tests share: how many times
 * @needle occurs in @text (overlapping occurrences count).
 */
#ifndef PCSIM_TESTS_STRCOUNT_H
#define PCSIM_TESTS_STRCOUNT_H

#include <string.h>

static inline int count(const char *text, const char *needle)
{
	int n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text++;
	}
	return n;
}

#endif /* PCSIM_TESTS_STRCOUNT_H */
