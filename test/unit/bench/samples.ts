// Output captured from the real tools on the development machine (redis-benchmark 7.0.15, memcaslap
// from libmemcached-tools ("memaslap v1.0"), memcached 1.6.18, nutcracker 0.5.0, Linux /proc), kept
// verbatim so the parsers are tested against what the tools really print. Ports are those of that run.

/** redis-benchmark 7.0.15 -t get,set -d 32 -r 100000 --csv, direct to redis-server (stdout). */
export const REDIS_BENCHMARK_DIRECT_SET_GET = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","102040.82","0.258","0.072","0.239","0.359","0.639","1.559"
"GET","109289.62","0.238","0.064","0.231","0.287","0.479","1.567"
`;

/** the same with -P 16. */
export const REDIS_BENCHMARK_DIRECT_P16 = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","980392.19","0.750","0.280","0.671","1.359","2.103","2.407"
"GET","1282051.25","0.558","0.184","0.543","0.735","0.799","1.015"
`;

/** custom command `mget key:__rand_int__` x3, direct. */
export const REDIS_BENCHMARK_DIRECT_MGET3 = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"mget key:__rand_int__ key:__rand_int__ key:__rand_int__","103626.94","0.262","0.088","0.239","0.487","0.703","1.863"
`;

/** -t set -d 16384, direct. */
export const REDIS_BENCHMARK_DIRECT_SET_16K = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","37878.79","0.766","0.144","0.759","1.175","1.519","3.239"
`;

/** 10-key mget through nutcracker 0.5.0 (stdout; CONFIG warning went to stderr). */
export const REDIS_BENCHMARK_NUTCRACKER_MGET10 = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"mget key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__ key:__rand_int__","20746.89","1.939","0.200","1.303","5.119","7.159","12.607"
`;

/** stderr of that run. */
export const REDIS_BENCHMARK_NUTCRACKER_STDERR = `WARNING: Could not fetch server CONFIG
`;

/** memcaslap -c 50 -T 1 -t 3s -F (32 B keys/values, get/set 9:1), direct to memcached 1.6.18, without -S. */
export const MEMCASLAP_DIRECT_GETSET_NO_STATS = `servers: 127.0.0.1:23792
threads count: 1
concurrency: 50
run time: 3s
windows size: 10k
set proportion: set_prop=0.10
get proportion: get_prop=0.90
cmd_get: 331559
cmd_set: 36862
get_misses: 0
written_bytes: 15509276
read_bytes: 28141956
object_bytes: 2359168

Run time: 3.0s Ops: 368421 TPS: 122761 Net_rate: 13.9M/s
`;

/** the same with -S 3s (statistics dump with latency histogram; note the ANSI clear-screen). */
export const MEMCASLAP_DIRECT_GETSET = `servers: 127.0.0.1:23792
threads count: 1
concurrency: 50
run time: 3s
windows size: 10k
set proportion: set_prop=0.10
get proportion: get_prop=0.90
\x1b[1;1H\x1b[2J
Get Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        326079       108693       6.6        0          12       7663       413        539.97     267.27
Global   3        326079       108693       6.6        0          12       7663       413        539.97     267.27

Set Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        36256        12085        0.7        0          21       7554       414        542.16     267.53
Global   3        36256        12085        0.7        0          21       7554       414        542.16     267.53

Total Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        362337       120779       7.4        0          12       7663       413        540.26     267.30
Global   3        362337       120779       7.4        0          12       7663       413        540.26     267.30

Get Statistics (326129 events)
   Min:        12
   Max:      7663
   Avg:       413
   Geo:    267.35
   Std:    540.49
   Log2 Dist:
       4:        4       84     4460    79035
       8:    90594    37306    98849     8427
      12:     5924     1446

Set Statistics (36259 events)
   Min:        21
   Max:      7554
   Avg:       414
   Geo:    267.58
   Std:    542.69
   Log2 Dist:
       4:        0        8      466     8869
       8:     9998     4110    11058      910
      12:      681      159

Total Statistics (362388 events)
   Min:        12
   Max:      7663
   Avg:       413
   Geo:    267.37
   Std:    540.79
   Log2 Dist:
       4:        4       92     4926    87904
       8:   100592    41416   109907     9337
      12:     6605     1605

cmd_get: 326174
cmd_set: 36264
get_misses: 0
written_bytes: 15257363
read_bytes: 27684908
object_bytes: 2320896

Run time: 3.0s Ops: 362438 TPS: 120799 Net_rate: 13.6M/s
`;

/** with -S 3s -d 10 (10-key multi-get), direct. */
export const MEMCASLAP_DIRECT_MGET10 = `servers: 127.0.0.1:23792
threads count: 1
concurrency: 50
run time: 3s
windows size: 10k
set proportion: set_prop=0.10
get proportion: get_prop=0.90
\x1b[1;1H\x1b[2J
Get Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        121078       40359        2.5        0          24       70676      586        1223.12    379.19
Global   3        121078       40359        2.5        0          24       70676      586        1223.12    379.19

Set Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        134589       44863        2.7        0          12       70697      585        1351.92    374.30
Global   3        134589       44863        2.7        0          12       70697      585        1351.92    374.30

Total Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        255667       85222        5.2        0          12       70697      586        1292.28    376.61
Global   3        255667       85222        5.2        0          12       70697      586        1292.28    376.61

Get Statistics (121109 events)
   Min:        24
   Max:     70676
   Avg:       587
   Geo:    379.42
   Std:   1225.21
   Log2 Dist:
       4:        0       11      514     8274
       8:    36619    28919    30235    13707
      12:     1727      822      239       23
      16:        0       19

Set Statistics (134608 events)
   Min:        12
   Max:     70697
   Avg:       586
   Geo:    374.44
   Std:   1353.05
   Log2 Dist:
       4:        1       12      788    10202
       8:    40577    30859    34568    14549
      12:     1847      891      254       29
      16:        0       31

Total Statistics (255717 events)
   Min:        12
   Max:     70697
   Avg:       586
   Geo:    376.79
   Std:   1294.29
   Log2 Dist:
       4:        1       23     1302    18476
       8:    77196    59778    64803    28256
      12:     3574     1713      493       52
      16:        0       50

cmd_get: 1211270
cmd_set: 134640
get_misses: 0
written_bytes: 51205547
read_bytes: 97358519
object_bytes: 8616960

Run time: 3.0s Ops: 1345910 TPS: 448565 Net_rate: 47.2M/s
`;

/** get/set 9:1 with -S 3s through nutcracker 0.5.0. */
export const MEMCASLAP_NUTCRACKER_GETSET = `servers: 127.0.0.1:23796
threads count: 1
concurrency: 50
run time: 3s
windows size: 10k
set proportion: set_prop=0.10
get proportion: get_prop=0.90
\x1b[1;1H\x1b[2J
Get Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        212167       70722        4.3        0          46       10263      635        230.99     616.37
Global   3        212167       70722        4.3        0          46       10263      635        230.99     616.37

Set Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        23596        7865         0.5        0          57       10231      636        237.55     615.86
Global   3        23596        7865         0.5        0          57       10231      636        237.55     615.86

Total Statistics
Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  
Period   3        235763       78587        4.8        0          46       10263      635        231.93     616.32
Global   3        235763       78587        4.8        0          46       10263      635        231.93     616.32

Get Statistics (212210 events)
   Min:        46
   Max:     10263
   Avg:       636
   Geo:    616.51
   Std:    230.01
   Log2 Dist:
       4:        0        0        4      167
       8:      983    32856   174571     3028
      12:      513       43       45

Set Statistics (23603 events)
   Min:        57
   Max:     10231
   Avg:       636
   Geo:    616.08
   Std:    240.44
   Log2 Dist:
       4:        0        0        2       13
       8:      110     3751    19266      384
      12:       65        7        5

Total Statistics (235813 events)
   Min:        46
   Max:     10263
   Avg:       636
   Geo:    616.46
   Std:    231.07
   Log2 Dist:
       4:        0        0        6      180
       8:     1093    36607   193837     3412
      12:      578       50       50

cmd_get: 212256
cmd_set: 23607
get_misses: 0
written_bytes: 9928617
read_bytes: 18014464
object_bytes: 1510848

Run time: 3.0s Ops: 235863 TPS: 78609 Net_rate: 8.9M/s
`;

/** memcaslap against a closed port (exit status 1). */
export const MEMCASLAP_REFUSED = `servers: 127.0.0.1:1
threads count: 1
concurrency: 50
run time: 1s
windows size: 10k
set proportion: set_prop=0.10
get proportion: get_prop=0.90
`;

/** /proc/<pid>/stat of a running nutcracker. */
export const PROC_STAT_NUTCRACKER = `22523 (nutcracker) S 1 22517 22517 0 -1 4194368 672 0 0 0 8 13 0 0 20 0 2 0 190714 18886656 1050 18446744073709551615 94090079514624 94090079610233 140735009786400 0 0 0 0 4096 3149315 0 0 0 17 0 0 0 0 0 0 94090079650800 94090079658000 94091055906816 140735009794478 140735009794582 140735009794582 140735009796067 0
`;

/** /proc/<pid>/status of the same process. */
export const PROC_STATUS_NUTCRACKER = `Name:\tnutcracker
Umask:\t0000
State:\tS (sleeping)
Tgid:\t22523
Ngid:\t0
Pid:\t22523
PPid:\t1
TracerPid:\t0
Uid:\t0\t0\t0\t0
Gid:\t0\t0\t0\t0
FDSize:\t256
Groups:\t 
NStgid:\t22523
NSpid:\t22523
NSpgid:\t22517
NSsid:\t22517
Kthread:\t0
VmPeak:\t   18444 kB
VmSize:\t   18444 kB
VmLck:\t       0 kB
VmPin:\t       0 kB
VmHWM:\t    4440 kB
VmRSS:\t    4440 kB
RssAnon:\t    2600 kB
RssFile:\t    1840 kB
RssShmem:\t       0 kB
VmData:\t   15016 kB
VmStk:\t     132 kB
VmExe:\t      96 kB
VmLib:\t    2092 kB
VmPTE:\t      64 kB
VmSwap:\t       0 kB
HugetlbPages:\t       0 kB
CoreDumping:\t0
THP_enabled:\t1
untag_mask:\t0xffffffffffffffff
Threads:\t2
SigQ:\t2/96365
SigPnd:\t0000000000000000
ShdPnd:\t0000000000000000
SigBlk:\t0000000000000000
SigIgn:\t0000000000001000
SigCgt:\t0000000100300e03
CapInh:\t0000000000000000
CapPrm:\t000001fffeffffff
CapEff:\t000001fffeffffff
CapBnd:\t000001fffeffffff
CapAmb:\t0000000000000000
NoNewPrivs:\t0
Seccomp:\t0
Seccomp_filters:\t0
Speculation_Store_Bypass:\tvulnerable
SpeculationIndirectBranch:\talways enabled
Cpus_allowed:\t3
Cpus_allowed_list:\t0-1
Mems_allowed:\t00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001
Mems_allowed_list:\t0
voluntary_ctxt_switches:\t1541
nonvoluntary_ctxt_switches:\t2213
`;
