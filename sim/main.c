/* SPDX-License-Identifier: MIT */
/* sim/main.c - the pcsim command line (placeholder until the runner lands). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "pcsim: not yet built\n");
	return 2;
}
