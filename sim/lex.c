/* SPDX-License-Identifier: MIT */
/*
 * sim/lex.c - shell-word lexer for .pcs scenario files.
 *
 * Scope: see sim/lex.h for the rules.  This file knows nothing of what the
 * words mean; sim/scenario.c does.
 *
 * Invariants:
 *   - peek() is the only reader of the input, so the line-length limit and
 *     the end of input are checked in one place: past LEX_MAX_LINE bytes of
 *     a logical line peek() reports the end, sets too_long, and lex_line()
 *     turns that into the error, whatever else the truncation caused;
 *   - every byte that ends up in a word, or is skipped in a comment, has
 *     been checked by bad_char();
 *   - a word's s[] is always NUL-terminated and pos[] has an entry for each
 *     of its len bytes.
 */
#include "sim/lex.h"

#include <glib.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LEX_END	(-1)

/* Characters sh would treat specially and we refuse. */
static const struct {
	const char *chars;
	const char *what;	/* "%s '%c' is not supported", or */
	const char *msg;	/* the whole message */
	bool in_dquotes;	/* also special inside "..." */
} lex_specials[] = {
	{ "$", NULL, "variable expansion is not supported", true },
	{ "`", NULL, "command substitution is not supported", true },
	{ "|&;<>()", "shell operator", NULL, false },
	{ "*?[", "glob character", NULL, false },
};

static int __attribute__((format(printf, 3, 4)))
lex_fail(struct lex_error *e, struct lex_pos pos, const char *fmt, ...)
{
	va_list ap;

	e->pos = pos;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static struct lex_pos here(const struct lexer *lx)
{
	if (lx->map && lx->i < lx->n)
		return lx->map[lx->i];
	return lx->cur;
}

/* The next byte, or LEX_END at the end of input or past the line limit. */
static int peek(struct lexer *lx)
{
	int c;

	if (lx->i >= lx->n)
		return LEX_END;
	c = (unsigned char)lx->s[lx->i];
	if (lx->file && lx->i - lx->line_start >= LEX_MAX_LINE && c != '\n') {
		if (!lx->too_long)
			lx->too_long_at = here(lx);
		lx->too_long = true;
		return LEX_END;
	}
	return c;
}

/* The byte after the next one, or NUL. */
static char peek2(const struct lexer *lx)
{
	return lx->i + 1 < lx->n ? lx->s[lx->i + 1] : '\0';
}

static void adv(struct lexer *lx)
{
	if (!lx->map && lx->s[lx->i] == '\n') {
		lx->cur.line++;
		lx->cur.col = 1;
	} else if (!lx->map) {
		lx->cur.col++;
	}
	lx->i++;
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static bool at_continuation(const struct lexer *lx)
{
	return lx->s[lx->i] == '\\' && peek2(lx) == '\n';
}

static int bad_char(struct lexer *lx, int c, struct lex_error *e)
{
	if (c == 0)
		return lex_fail(e, here(lx), "NUL byte in file");
	if (c == '\r')
		return lex_fail(e, here(lx), "carriage return (DOS line end?)");
	if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
		return lex_fail(e, here(lx), "control character 0x%02x", c);
	return 0;
}

/*
 * Context: bad_char() has accepted @c, so @c is not NUL.  Letters and
 * digits, most of a scenario's bytes, are never special.
 */
static int special(struct lexer *lx, int c, bool dquoted, struct lex_error *e)
{
	size_t k;

	if (g_ascii_isalnum(c))
		return 0;
	for (k = 0; k < G_N_ELEMENTS(lex_specials); k++) {
		if (!strchr(lex_specials[k].chars, c) ||
		    (dquoted && !lex_specials[k].in_dquotes))
			continue;
		if (lex_specials[k].msg)
			return lex_fail(e, here(lx), "%s", lex_specials[k].msg);
		return lex_fail(e, here(lx), "%s '%c' is not supported",
				lex_specials[k].what, c);
	}
	return 0;
}

/* The next word of @ws, empty; its buffers are a cleared word's if any. */
static struct lex_word *new_word(struct lex_words *ws, struct lex_pos at)
{
	struct lex_word *w;

	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? 2 * ws->cap : 8;
		ws->w = g_renew(struct lex_word, ws->w, ws->cap);
	}
	w = &ws->w[ws->n++];
	if (ws->n > ws->nalloc) {
		ws->nalloc = ws->n;
		w->cap = 16;
		w->s = g_malloc(w->cap);
		w->pos = g_new(struct lex_pos, w->cap);
	}
	w->len = 0;
	w->at = at;
	w->s[0] = '\0';
	return w;
}

/* Room in @w for @n more bytes and the NUL. */
static void word_reserve(struct lex_word *w, size_t n)
{
	int cap = w->cap;

	while ((size_t)w->len + n + 1 > (size_t)cap)
		cap *= 2;
	if (cap == w->cap)
		return;
	w->cap = cap;
	w->s = g_realloc(w->s, w->cap);
	w->pos = g_renew(struct lex_pos, w->pos, w->cap);
}

/* Append the next input byte to @w and move past it. */
static void take(struct lexer *lx, struct lex_word *w)
{
	word_reserve(w, 1);
	w->pos[w->len] = here(lx);
	w->s[w->len++] = lx->s[lx->i];
	w->s[w->len] = '\0';
	adv(lx);
}

/*
 * Bytes that stand for themselves wherever they are, outside quotes
 * (@dquoted false) or inside "..." (true): neither bad_char() nor
 * special() refuses them, and no quoting, escaping, blank or newline rule
 * applies to them.  Most of a scenario's bytes are such; they are taken a
 * run at a time (take_run()).
 */
#define BIT(c)		(1ULL << ((c) & 63))
#define ASCII_20_3F	0xffffffff00000000ULL	/* ' ' .. '?' */
#define ASCII_21_3F	0xfffffffe00000000ULL	/* '!' .. '?' */

/* literal_byte()'s bytes below 0x80: [0] 0x00-0x3f, [1] 0x40-0x7f. */
static const uint64_t literal_mask[2][2] = {
	{	/* unquoted: no blank, control, quote or special */
		ASCII_21_3F & ~(BIT('"') | BIT('$') | BIT('&') | BIT('\'') |
				BIT('(') | BIT(')') | BIT('*') | BIT(';') |
				BIT('<') | BIT('>') | BIT('?')),
		~(BIT('[') | BIT('\\') | BIT('`') | BIT('|') | BIT(0x7f)),
	},
	{	/* in "...": a tab or a blank is literal too */
		(ASCII_20_3F | BIT('\t')) & ~(BIT('"') | BIT('$')),
		~(BIT('\\') | BIT('`') | BIT(0x7f)),
	},
};

static bool literal_byte(int c, bool dquoted)
{
	if (c >= 0x80)
		return true;
	return literal_mask[dquoted][c >> 6] >> (c & 63) & 1;
}

/*
 * take() for the run of literal bytes from the next one on, as many as
 * peek() would return before the line limit (a run holds no newline).
 * Return: whether it took any.
 */
static bool take_run(struct lexer *lx, struct lex_word *w, bool dquoted)
{
	size_t end = lx->n, j, k, n;

	if (lx->file && lx->line_start + LEX_MAX_LINE < end)
		end = lx->line_start + LEX_MAX_LINE;
	for (j = lx->i; j < end && literal_byte((unsigned char)lx->s[j],
						dquoted); j++)
		;
	n = j - lx->i;
	if (!n)
		return false;
	word_reserve(w, n);
	memcpy(w->s + w->len, lx->s + lx->i, n);
	if (lx->map) {
		memcpy(w->pos + w->len, lx->map + lx->i, n * sizeof(*w->pos));
	} else {
		for (k = 0; k < n; k++)
			w->pos[w->len + k] = (struct lex_pos){
				lx->cur.line, lx->cur.col + (int)k };
		lx->cur.col += (int)n;
	}
	w->len += (int)n;
	w->s[w->len] = '\0';
	lx->i = j;
	return true;
}

static int lex_squote(struct lexer *lx, struct lex_word *w,
		      struct lex_error *e)
{
	struct lex_pos open = here(lx);
	int c;

	adv(lx);
	while ((c = peek(lx)) != '\'') {
		if (c == LEX_END || c == '\n')
			return lex_fail(e, open, "unterminated quote");
		if (bad_char(lx, c, e))
			return -1;
		take(lx, w);
	}
	adv(lx);
	return 0;
}

/* A backslash inside "...": true if it started an escape or continuation. */
static bool dq_backslash(struct lexer *lx, struct lex_word *w)
{
	char n = peek2(lx);

	if (n == '\n') {
		adv(lx);
		adv(lx);
		return true;
	}
	if (!n || !strchr("\"\\$`", n))
		return false;
	adv(lx);
	if (peek(lx) != LEX_END)
		take(lx, w);
	return true;
}

static int lex_dquote(struct lexer *lx, struct lex_word *w,
		      struct lex_error *e)
{
	struct lex_pos open = here(lx);
	int c;

	adv(lx);
	while ((c = peek(lx)) != '"') {
		if (c == LEX_END || c == '\n')
			return lex_fail(e, open, "unterminated quote");
		if (c == '\\' && dq_backslash(lx, w))
			continue;
		if (take_run(lx, w, true))
			continue;
		if (bad_char(lx, c, e) || special(lx, c, true, e))
			return -1;
		take(lx, w);
	}
	adv(lx);
	return 0;
}

static int lex_backslash(struct lexer *lx, struct lex_word *w,
			 struct lex_error *e)
{
	int c;

	if (lx->i + 1 >= lx->n)
		return lex_fail(e, here(lx), "backslash at end of input");
	adv(lx);
	c = peek(lx);
	if (c == '\n') {
		adv(lx);
		return 0;
	}
	if (c == LEX_END)
		return 0;	/* past the line limit: lex_line() reports */
	if (bad_char(lx, c, e))
		return -1;
	take(lx, w);
	return 0;
}

/* One unquoted character of a word, or the quoted string it opens. */
static int lex_char(struct lexer *lx, struct lex_word *w, int c,
		    struct lex_error *e)
{
	if (c == '\\')
		return lex_backslash(lx, w, e);
	if (c == '\'')
		return lex_squote(lx, w, e);
	if (c == '"')
		return lex_dquote(lx, w, e);
	if (bad_char(lx, c, e) || special(lx, c, lx->plain, e))
		return -1;
	take(lx, w);
	return 0;
}

static bool is_plain_verb(const struct lexer *lx, const char *s)
{
	const char *const *v;

	for (v = lx->plain_verbs; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

static int lex_word(struct lexer *lx, struct lex_words *ws,
		    struct lex_error *e)
{
	struct lex_word *w;
	int c;

	if (!ws->n)
		lx->text_start = lx->i;
	w = new_word(ws, here(lx));
	while ((c = peek(lx)) != LEX_END && !is_blank(c) && c != '\n')
		if (!take_run(lx, w, false) && lex_char(lx, w, c, e))
			return -1;
	lx->text_end = lx->i;
	if (ws->n == 1)
		lx->plain = is_plain_verb(lx, w->s);
	return 0;
}

static void skip_blanks(struct lexer *lx)
{
	int c;

	while ((c = peek(lx)) != LEX_END) {
		if (c == '\\' && at_continuation(lx))
			adv(lx);
		else if (!is_blank(c))
			return;
		adv(lx);
	}
}

static int skip_comment(struct lexer *lx, struct lex_error *e)
{
	int c;

	while ((c = peek(lx)) != LEX_END && c != '\n') {
		if (bad_char(lx, c, e))
			return -1;
		adv(lx);
	}
	return 0;
}

/* Words up to the end of the logical line (which is consumed). */
static int lex_words_to_eol(struct lexer *lx, struct lex_words *out,
			    struct lex_error *e)
{
	int c;

	for (;;) {
		skip_blanks(lx);
		c = peek(lx);
		if (c == LEX_END)
			return 0;
		if (c == '\n') {
			adv(lx);
			return 0;
		}
		if (c == '#' && lx->file) {
			if (skip_comment(lx, e))
				return -1;
		} else if (lex_word(lx, out, e)) {
			return -1;
		}
	}
}

/* The line from its first word to its last, continuations removed. */
static char *line_text(const struct lexer *lx)
{
	char *t = g_malloc(lx->text_end - lx->text_start + 1);
	size_t i, k = 0;

	for (i = lx->text_start; i < lx->text_end; i++) {
		if (lx->s[i] == '\n' && k)
			k--;	/* drop the backslash before it */
		else
			t[k++] = lx->s[i];
	}
	t[k] = '\0';
	return t;
}

/**
 * lex_init() - start lexing a scenario file held in memory.
 * @lx:  the lexer.
 * @buf: the file's bytes (need not be NUL-terminated; NULs are errors).
 * @len: bytes in @buf.
 *
 * Context: @buf must outlive @lx.
 */
void lex_init(struct lexer *lx, const char *buf, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = buf;
	lx->n = buf ? len : 0;
	lx->cur = (struct lex_pos){ 1, 1 };
	lx->file = true;
}

/**
 * lex_line() - the words of the next non-empty logical line.
 * @lx:   the lexer.
 * @out:  receives the words (previous contents are freed).
 * @text: receives the line as written (g_malloc'ed), from its first word to
 *        its last, with backslash-newline continuations removed.
 * @err:  filled on error.
 *
 * Blank and comment-only lines are skipped.
 *
 * Return: 1 if a line was read, 0 at end of file, -1 on error.
 */
int lex_line(struct lexer *lx, struct lex_words *out, char **text,
	     struct lex_error *err)
{
	int ret;

	lex_words_clear(out);
	*text = NULL;
	while (!out->n) {
		if (lx->i >= lx->n)
			return 0;
		lx->line_start = lx->i;
		lx->plain = false;
		ret = lex_words_to_eol(lx, out, err);
		if (lx->too_long)
			return lex_fail(err, lx->too_long_at,
					"line too long (more than %d bytes)",
					LEX_MAX_LINE);
		if (ret)
			return -1;
	}
	*text = line_text(lx);
	return 1;
}

/**
 * lex_split() - split one word again into words (an xfs_io -c argument).
 * @s:   the text, NUL-terminated.
 * @pos: pos[i] is the file position of s[i].
 * @at:  position reported for an empty @s.
 * @out: receives the words (previous contents are freed).
 * @err: filled on error.
 *
 * The rules are those of the file level, except that '#' is literal.
 *
 * Return: 0 on success, -1 on error.
 */
int lex_split(const char *s, const struct lex_pos *pos, struct lex_pos at,
	      struct lex_words *out, struct lex_error *err)
{
	struct lexer lx = { .s = s, .n = strlen(s), .map = pos, .cur = at };

	if (lx.n) {
		lx.cur = pos[lx.n - 1];
		lx.cur.col++;
	}
	lex_words_clear(out);
	return lex_words_to_eol(&lx, out, err);
}

/**
 * lex_words_clear() - forget the words of @ws, keeping the array and the
 * words' buffers for the next line's words.
 * @ws: the words.
 */
void lex_words_clear(struct lex_words *ws)
{
	ws->n = 0;
}

/**
 * lex_words_free() - free the words of @ws, their buffers and the array.
 * @ws: the words; left empty and reusable.
 */
void lex_words_free(struct lex_words *ws)
{
	int i;

	for (i = 0; i < ws->nalloc; i++) {
		g_free(ws->w[i].s);
		g_free(ws->w[i].pos);
	}
	g_free(ws->w);
	ws->w = NULL;
	ws->n = ws->cap = ws->nalloc = 0;
}
