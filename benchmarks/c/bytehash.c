/* Byte hash: N pseudo-random bytes in a malloc'd buffer, then FNV-1a and
   a table-driven CRC-32 over them. Prints both. Usage: bytehash N */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    unsigned char *buf = malloc(n ? n : 1);
    uint32_t s = 1;
    for (long i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(s >> 24);
    }
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t fnv = 2166136261u, crc = 0xFFFFFFFFu;
    for (long i = 0; i < n; i++) {
        fnv = (fnv ^ buf[i]) * 16777619u;
        crc = table[(crc ^ buf[i]) & 255] ^ (crc >> 8);
    }
    printf("%u %u\n", fnv, crc ^ 0xFFFFFFFFu);
    free(buf);
    return 0;
}
