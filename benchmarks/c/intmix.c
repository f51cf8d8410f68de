/* Integer mix: 32-bit xorshift, multiply, rotate, divide and a 64-bit
   accumulator, N rounds. Prints the 32-bit checksum. Usage: intmix N */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    uint32_t x = 2463534242u, acc = 0;
    uint64_t wide = 0x0123456789ABCDEFull;
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        uint32_t y = x * 2654435761u + (uint32_t)i;
        y = (y << 7) | (y >> 25);
        acc += y / ((uint32_t)(i & 255) + 1u);
        acc ^= y % 1000003u;
        wide = wide * 6364136223846793005ull + y;
        acc += (uint32_t)(wide >> 40);
    }
    printf("%u\n", acc);
    return 0;
}
