// Test-only: lets Debian's glibc-built libstdc++.so.6 and libgcc_s.so.1 load under Debian's musl loader, so the
// linux-x64-musl executable can be run on a Debian CI machine (Debian has no musl-built libstdc++; on Alpine the
// binary needs `apk add libstdc++`, which brings musl-built ones and needs none of this).
//
// Built as a library named ld-linux-x86-64.so.2, which glibc's libstdc++ lists as needed: in its place musl must not
// load glibc's real dynamic loader. It defines the few glibc symbols the two libraries reference and musl lacks (the
// loader reports exactly these when they are missing), each with glibc's meaning, built on what musl has.
// Compiled with -nostdlib: the calls below bind to musl's libc at load time.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

// glibc 2.32+: non-zero only while the process has one thread; 0 keeps libstdc++ on its thread-safe paths
char __libc_single_threaded = 0;

// glibc 2.36+: a random 32-bit number (libstdc++'s std::random_device)
uint32_t arc4random(void) {
  uint32_t r = 0;
  while (getrandom(&r, sizeof r, 0) != sizeof r) {}
  return r;
}

size_t __strftime_l(char *s, size_t max, const char *fmt, const struct tm *tm, locale_t loc) {
  return strftime_l(s, max, fmt, tm, loc);
}

// thread_local destructors: run, newest first, when the thread exits (what libstdc++ itself does on a libc without it)
struct dtor {
  void (*fn)(void *);
  void *obj;
  struct dtor *next;
};
static pthread_key_t dtor_key;
static pthread_once_t dtor_once = PTHREAD_ONCE_INIT;
static void run_dtors(void *p) {
  for (struct dtor *d = p, *next; d; d = next) {
    next = d->next;
    d->fn(d->obj);
    free(d);
  }
}
static void make_key(void) { pthread_key_create(&dtor_key, run_dtors); }
int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso) {
  (void)dso;
  pthread_once(&dtor_once, make_key);
  struct dtor *d = malloc(sizeof *d);
  if (!d) return -1;
  d->fn = fn;
  d->obj = obj;
  d->next = pthread_getspecific(dtor_key);
  return pthread_setspecific(dtor_key, d);
}

// glibc 2.35+ (struct dl_find_object from its <dlfcn.h>): which loaded object holds an address, and its
// PT_GNU_EH_FRAME (libgcc's unwinder finds FDEs with it)
struct lookup {
  uintptr_t pc;
  struct dl_find_object *out;
};
static int find_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct lookup *q = data;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  void *eh = 0;
  int hit = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD) {
      if (start < lo) lo = start;
      if (start + ph->p_memsz > hi) hi = start + ph->p_memsz;
      if (q->pc >= start && q->pc < start + ph->p_memsz) hit = 1;
    } else if (ph->p_type == PT_GNU_EH_FRAME) {
      eh = (void *)start;
    }
  }
  if (!hit) return 0;
  *q->out = (struct dl_find_object){.dlfo_map_start = (void *)lo, .dlfo_map_end = (void *)hi, .dlfo_eh_frame = eh};
  return 1;
}
int _dl_find_object(void *pc, struct dl_find_object *out) {
  struct lookup q = {(uintptr_t)pc, out};
  return dl_iterate_phdr(find_object, &q) ? 0 : -1;
}

// libgcc's CPU model (glibc's libgcc_s binds to the copy in libgcc.a): "unknown, no extra features" makes every
// function multi-versioned on it take its generic path
struct {
  unsigned int vendor, type, subtype, features[1];
} __cpu_model;
int __cpu_indicator_init(void) { return 0; }
