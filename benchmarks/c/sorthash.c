/* Sorting and hashing over malloc'd memory: N pseudo-random u32 keys,
   a heapsort, then an open-addressing hash table (linear probing, table
   of 2**k >= 2N slots) counting distinct keys modulo 65521 and looking
   every key up again. Prints a checksum of the sorted array, the distinct
   count and the lookup sum. Usage: sorthash N */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void sift(uint32_t *a, long start, long end) {
    long root = start;
    while (2 * root + 1 <= end) {
        long child = 2 * root + 1;
        if (child + 1 <= end && a[child] < a[child + 1]) child++;
        if (a[root] < a[child]) {
            uint32_t t = a[root]; a[root] = a[child]; a[child] = t;
            root = child;
        } else {
            return;
        }
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    uint32_t *a = malloc(n * sizeof *a);
    uint32_t seed = 12345;
    for (long i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        a[i] = seed ^ (seed >> 15);
    }
    for (long s = (n - 2) / 2; s >= 0; s--) sift(a, s, n - 1);
    for (long e = n - 1; e > 0; e--) {
        uint32_t t = a[0]; a[0] = a[e]; a[e] = t;
        sift(a, 0, e - 1);
    }
    uint32_t ck = 0;
    for (long i = 0; i < n; i++) ck = (ck * 31u) ^ a[i];
    long size = 1;
    while (size < 2 * n) size <<= 1;
    uint32_t *keys = malloc(size * sizeof *keys);
    uint32_t *cnt = calloc(size, sizeof *cnt);
    long distinct = 0;
    for (long i = 0; i < n; i++) {
        uint32_t k = a[i] % 65521u + 1u;
        uint32_t h = (k * 2654435761u) & (uint32_t)(size - 1);
        while (cnt[h] && keys[h] != k) h = (h + 1) & (uint32_t)(size - 1);
        if (!cnt[h]) { keys[h] = k; distinct++; }
        cnt[h]++;
    }
    uint32_t look = 0;
    for (long i = 0; i < n; i++) {
        uint32_t k = a[i] % 65521u + 1u;
        uint32_t h = (k * 2654435761u) & (uint32_t)(size - 1);
        while (keys[h] != k) h = (h + 1) & (uint32_t)(size - 1);
        look += cnt[h] * k;
    }
    printf("%u %ld %u\n", ck, distinct, look);
    free(a); free(keys); free(cnt);
    return 0;
}
