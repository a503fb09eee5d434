/*
 * bigcore.c - maps MIB mebibytes of anonymous memory with varied content, then crashes so the
 * kernel writes a large, realistic core for bench/native.ts.
 *
 * Usage: bigcore MIB [--wait]   (run with `ulimit -c unlimited` in the directory the core goes to)
 *
 * Without --wait it prints "ready" and crashes at once. With --wait it prints "ready" and then reads
 * one-byte commands from stdin, so a script can take a gcore of the live process first (as
 * test/fixtures/make_fixtures.sh does with its mapper): 'c' crashes (kernel core), 'q' or end of
 * input exits 0 without a core. The wait uses raw read(2) and the crash follows directly, so the
 * stack changes as little as possible between the gcore and the kernel core.
 *
 * Page mix, decided per 4 KiB page by a fixed pseudo-random sequence (reproducible):
 *   ~15% never touched      (the kernel skips them: holes in the core file)
 *   ~10% written with zeros (real zero pages in the file)
 *   ~45% pseudo-random bytes
 *   ~30% copies of one of 16 template pages (repeated content)
 * The memory is split into 64 separate mappings, so the core has many PT_LOADs.
 *
 * Exit codes: 2 usage; 1 mmap failed; 0 after 'q' or end of input (--wait); otherwise it dies of
 * SIGSEGV.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096u
#define MAPPINGS 64u

static uint64_t state = 0x9e3779b97f4a7c15ull;

static inline uint64_t next(void) { /* xorshift64* */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dull;
}

int main(int argc, char **argv) {
  int wait = argc == 3 && strcmp(argv[2], "--wait") == 0;
  if ((argc != 2 && !wait) || atol(argv[1]) <= 0) {
    fprintf(stderr, "usage: bigcore MIB [--wait]\n");
    return 2;
  }
  uint64_t pages = (uint64_t)atol(argv[1]) * (1024 * 1024 / PAGE);
  uint64_t per = (pages + MAPPINGS - 1) / MAPPINGS;
  static unsigned char templates[16][PAGE];
  for (unsigned t = 0; t < 16; t++) {
    for (unsigned i = 0; i < PAGE; i += 8) {
      uint64_t v = next();
      memcpy(&templates[t][i], &v, 8);
    }
  }
  for (uint64_t done = 0; done < pages; done += per) {
    uint64_t n = pages - done < per ? pages - done : per;
    /* Alternate protections so the kernel cannot merge neighbouring mappings into one VMA. */
    int prot = (done / per) % 2 ? PROT_READ | PROT_WRITE : PROT_READ | PROT_WRITE | PROT_EXEC;
    unsigned char *m = mmap(NULL, n * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      perror("mmap");
      return 1;
    }
    for (uint64_t p = 0; p < n; p++) {
      unsigned char *page = m + p * PAGE;
      unsigned kind = (unsigned)(next() % 100);
      if (kind < 15) continue;
      if (kind < 25) {
        memset(page, 0, PAGE);
      } else if (kind < 70) {
        uint64_t *w = (uint64_t *)page;
        for (unsigned i = 0; i < PAGE / 8; i++) w[i] = next();
      } else {
        memcpy(page, templates[next() % 16], PAGE);
      }
    }
  }
  printf("ready\n");
  fflush(stdout);
  if (wait) {
    char c = 0;
    for (;;) {
      ssize_t r = read(0, &c, 1);
      if (r < 0 && errno == EINTR) continue; /* e.g. while gdb attaches */
      if (r <= 0 || c == 'q') return 0;
      if (c == 'c') break;
    }
  }
  volatile int *crash = NULL;
  *crash = 1; /* SIGSEGV: the kernel dumps core */
  return 0;
}
