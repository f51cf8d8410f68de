/* The example module of the README: a WASI command that greets its
 * arguments. Build (small enough for a MicroPython board: 16 KiB of stack,
 * two pages of memory):
 *   python -m ziglang cc -target wasm32-wasi -Os -Wl,-z,stack-size=16384 \
 *       -Wl,--initial-memory=131072 hello.c -o hello.wasm */
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            printf("Hello, %s!\n", argv[i]);
    } else {
        printf("Hello, world!\n");
    }
    return 0;
}
