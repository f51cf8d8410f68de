/* Stand-in for <setjmp.h> when Lua is built for wasm32-wasi without the
   exception-handling proposal: build_programs.py defines LUAI_THROW as abort(), so
   a Lua error ends the program (the benchmark scripts raise none). */
#ifndef WASMBED_BENCH_SETJMP_H
#define WASMBED_BENCH_SETJMP_H
typedef int jmp_buf[1];
#endif
