/* Prints the CPUID leaves that oneDNN's bundled Xbyak uses for cache sizes and core counts.
 *   cc -O1 -o cpuid_dump cpuid_dump.c && ./cpuid_dump
 * On the affected VM: TOPOEXT is set (leaf 0x80000001 ecx bit 22) and the max extended leaf is
 * 0x80000021, but leaf 0x8000001D (AMD cache topology) and leaf 0xB return all zeros, while the
 * legacy AMD leaves 0x80000005/0x80000006 do describe the caches. */
#include <cpuid.h>
#include <stdio.h>

static void q(unsigned leaf, unsigned sub) {
  unsigned a, b, c, d;
  __cpuid_count(leaf, sub, a, b, c, d);
  printf("leaf %08x.%u: eax=%08x ebx=%08x ecx=%08x edx=%08x\n", leaf, sub, a, b, c, d);
}

int main(void) {
  unsigned a, b, c, d;
  q(0, 0);
  q(1, 0);
  q(0xb, 0);
  q(0xb, 1);
  q(0x80000000, 0);
  q(0x80000001, 0);
  __cpuid(0x80000001, a, b, c, d);
  printf("TOPOEXT (0x80000001 ecx bit 22): %u\n", (c >> 22) & 1);
  q(0x80000005, 0);
  q(0x80000006, 0);
  __cpuid(0x80000005, a, b, c, d);
  printf("legacy leaf 0x80000005: L1d %u KiB\n", c >> 24);
  __cpuid(0x80000006, a, b, c, d);
  printf("legacy leaf 0x80000006: L2 %u KiB, L3 %u KiB\n", c >> 16, (d >> 18) * 512);
  for (unsigned i = 0; i < 5; i++) q(0x8000001d, i);
  return 0;
}
