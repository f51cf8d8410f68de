N = N or 200
-- A small Lua workload for benchmarks/programs.py: tables, strings, closures,
-- integer and float arithmetic. N is set by the harness (lua -e "N=..." -e <this>).
local t = {}
for i = 1, N do t[i] = (i * 7919) % 1000 end
table.sort(t)
local words = {}
for i = 1, N do words[#words + 1] = string.format("w%d", t[i] % 97) end
local counts = {}
for _, w in ipairs(words) do counts[w] = (counts[w] or 0) + 1 end
local distinct = 0
for _ in pairs(counts) do distinct = distinct + 1 end
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local acc = 0
for i = 1, N do acc = (acc * 31 + t[i]) % 1000000007 end
local s = table.concat(words, ",", 1, math.min(N, 50))
local x = 0.0
for i = 1, N do x = x + math.sqrt(i) / i end
print(distinct, acc, fib(15 + N // 400), #s, string.format("%.10f", x))
