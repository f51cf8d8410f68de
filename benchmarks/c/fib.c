/* Recursive fib: fib(N) by the doubly recursive definition.
   Prints fib(N) mod 2**32. Usage: fib N */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)atol(argv[1]) : 20;
    printf("%u\n", fib(n));
    return 0;
}
