/* SPDX-License-Identifier: MIT */
/*
 * sim/lex.h - shell-word lexer for .pcs scenario files.
 *
 * Scope: splitting text into words the way POSIX sh does, for the small
 * subset of sh that scenario files use, and nothing else: no expansion, no
 * redirection, no globbing.  Whatever sh would treat specially and we do
 * not implement ($, `, |, &, ;, <, >, (, ), *, ?, [) is an error rather than
 * a silent difference from sh.
 *
 * Rules:
 *   - blanks (space, tab) separate words;
 *   - '...' quotes everything up to the next '; "..." quotes too, but \" \\
 *     \$ \` are escapes and backslash-newline is a continuation; outside
 *     quotes a backslash takes the next character literally and
 *     backslash-newline is a continuation;
 *   - a quote never spans a newline (error "unterminated quote" at the
 *     opening quote);
 *   - '#' at the start of a word starts a comment up to the end of the
 *     physical line (file level only: inside a -c string it is literal);
 *   - NUL and control characters other than tab and newline are errors;
 *   - a line whose first word is one of the caller's plain_verbs is not sh
 *     syntax (a `schedule` line: T2@pwrite/xfs_ilock(IOLOCK_EXCL)#1->irq):
 *     after that word, shell operators and glob characters are literal, as
 *     inside "...", while quotes, backslashes, comments, $ and ` keep their
 *     meaning.
 *
 * Invariants: every character of every word carries the file position it
 * came from (struct lex_pos, 1-based line and column), so that a word split
 * again out of a quoted argument (lex_split()) still reports positions in
 * the original file.  A logical line longer than LEX_MAX_LINE bytes is an
 * error, not a truncation.
 */
#ifndef PCSIM_SIM_LEX_H
#define PCSIM_SIM_LEX_H

#include <stdbool.h>
#include <stddef.h>

#define LEX_MAX_LINE	65536	/* bytes in a logical line */

/* A 1-based position in the scenario file. */
struct lex_pos {
	int line;
	int col;
};

/* One word, after quote removal. */
struct lex_word {
	char *s;		/* the value, NUL-terminated */
	int len;		/* strlen(s) (words never contain NUL) */
	int cap;		/* allocated chars in s and pos */
	struct lex_pos at;	/* start of the word (a quote, maybe) */
	struct lex_pos *pos;	/* pos[i]: where s[i] came from */
};

/* The words of one line; w[n..nalloc) are cleared words kept for reuse. */
struct lex_words {
	struct lex_word *w;
	int n;
	int cap;
	int nalloc;		/* words whose s and pos are allocated */
};

/* A lexing error: where, and what. */
struct lex_error {
	struct lex_pos pos;
	char msg[96];
};

/* Cursor over a buffer of text (or over one word, for lex_split()). */
struct lexer {
	const char *s;
	size_t n;			/* bytes in s */
	size_t i;			/* next byte */
	const struct lex_pos *map;	/* per-byte positions, or NULL */
	struct lex_pos cur;		/* position of s[i] when map == NULL */
	bool file;			/* file level: comments and newlines */
	const char *const *plain_verbs;	/* NULL-terminated, or NULL */
	bool plain;			/* this line began with a plain verb */
	size_t line_start;		/* offset of this logical line */
	bool too_long;			/* line passed LEX_MAX_LINE */
	struct lex_pos too_long_at;
	size_t text_start, text_end;	/* first word start, last word end */
};

void lex_init(struct lexer *lx, const char *buf, size_t len);

int lex_line(struct lexer *lx, struct lex_words *out, char **text,
	     struct lex_error *err);

int lex_split(const char *s, const struct lex_pos *pos, struct lex_pos at,
	      struct lex_words *out, struct lex_error *err);

void lex_words_clear(struct lex_words *ws);
void lex_words_free(struct lex_words *ws);

#endif /* PCSIM_SIM_LEX_H */
