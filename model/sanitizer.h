/* SPDX-License-Identifier: MIT */
/*
 * model/sanitizer.h - is this build under AddressSanitizer?
 *
 * PCSIM_ASAN is 1 when gcc (__SANITIZE_ADDRESS__) or clang
 * (__has_feature(address_sanitizer)) instruments for ASan.  Code that
 * keeps freed memory for reuse (the page slab, the process cache) hands
 * it back to malloc instead, so that ASan sees every free; the coroutines
 * annotate their stack switches.
 */
#ifndef PCSIM_MODEL_SANITIZER_H
#define PCSIM_MODEL_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define PCSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PCSIM_ASAN 1
#endif
#endif
#ifndef PCSIM_ASAN
#define PCSIM_ASAN 0
#endif

#endif /* PCSIM_MODEL_SANITIZER_H */
