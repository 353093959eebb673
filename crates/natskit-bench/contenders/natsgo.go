// The nats.go contender of natskit-bench: one scenario per run, with the library's defaults.
//
//	bench-natsgo SCENARIO URL COUNT [REQUESTERS]
//
// SCENARIO is publish, pubsub, request or concurrent, as crates/natskit-bench/src/scenarios.rs
// defines them. Figures go to standard output one per line, "NAME VALUE" (rate, lost, p50_us,
// p99_us, and cpu_pct: this process's CPU use while timed, percent of one core), then "done"; errors go to standard error with a non-zero exit status.
// Built by natskit-bench offline against Debian's packaged source (GO111MODULE=off,
// GOPATH=/usr/share/gocode).
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

var payload = []byte("0123456789abcdef")

// How long the pub/sub subscriber waits for another message before it gives up.
const idle = 2 * time.Second
const requestTimeout = 5 * time.Second

func check(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "nats.go: %s: %v\n", what, err)
		os.Exit(1)
	}
}

// cpuTime is the CPU time (user + system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// printCPU prints the process's CPU use since (start, startCPU), as percent of one core.
func printCPU(start time.Time, startCPU time.Duration) {
	fmt.Printf("cpu_pct %.1f\n", 100*float64(cpuTime()-startCPU)/float64(time.Since(start)))
}

func connect(url string) *nats.Conn {
	nc, err := nats.Connect(url)
	check(err, "connect")
	return nc
}

func publish(url string, count int64) {
	nc := connect(url)
	defer nc.Close()
	start, startCPU := time.Now(), cpuTime()
	for i := int64(0); i < count; i++ {
		check(nc.Publish("bench.pub", payload), "publish")
	}
	check(nc.Flush(), "flush")
	printCPU(start, startCPU)
	fmt.Printf("rate %.1f\n", float64(count)/time.Since(start).Seconds())
}

func pubsub(url string, count int64) {
	subConn := connect(url)
	defer subConn.Close()
	var received int64
	var lastNs int64
	all := make(chan struct{})
	_, err := subConn.Subscribe("bench.ps", func(*nats.Msg) {
		atomic.StoreInt64(&lastNs, time.Now().UnixNano())
		if atomic.AddInt64(&received, 1) == count {
			close(all)
		}
	})
	check(err, "subscribe")
	check(subConn.Flush(), "flush")
	pubConn := connect(url)
	defer pubConn.Close()

	start, startCPU := time.Now(), cpuTime()
	atomic.StoreInt64(&lastNs, start.UnixNano())
	for i := int64(0); i < count; i++ {
		check(pubConn.Publish("bench.ps", payload), "publish")
	}
	check(pubConn.Flush(), "flush")

	// Until every message came, or none came for `idle`.
	for done := false; !done; {
		wait := time.Until(time.Unix(0, atomic.LoadInt64(&lastNs)).Add(idle))
		if wait <= 0 {
			break
		}
		select {
		case <-all:
			done = true
		case <-time.After(wait):
		}
	}
	printCPU(start, startCPU)
	n := atomic.LoadInt64(&received)
	elapsed := time.Unix(0, atomic.LoadInt64(&lastNs)).Sub(start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(n) / elapsed
	}
	fmt.Printf("rate %.1f\nlost %d\n", rate, count-n)
}

// responder echoes each request's payload to its reply subject, on a connection of its own.
func responder(url, subject, queue string) *nats.Conn {
	nc := connect(url)
	echo := func(m *nats.Msg) { _ = m.Respond(m.Data) }
	var err error
	if queue != "" {
		_, err = nc.QueueSubscribe(subject, queue, echo)
	} else {
		_, err = nc.Subscribe(subject, echo)
	}
	check(err, "subscribe")
	check(nc.Flush(), "flush")
	return nc
}

func request(url string, count int64) {
	server := responder(url, "bench.req", "")
	defer server.Close()
	nc := connect(url)
	defer nc.Close()
	latencies := make([]time.Duration, count)
	startAll, startCPU := time.Now(), cpuTime()
	for i := range latencies {
		start := time.Now()
		_, err := nc.Request("bench.req", payload, requestTimeout)
		check(err, "request")
		latencies[i] = time.Since(start)
	}
	printCPU(startAll, startCPU)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	at := func(q float64) float64 {
		return float64(latencies[int(float64(len(latencies)-1)*q)].Nanoseconds()) / 1e3
	}
	fmt.Printf("p50_us %.1f\np99_us %.1f\n", at(0.5), at(0.99))
}

func concurrent(url string, count int64, requesters int64) {
	for i := 0; i < 2; i++ {
		defer responder(url, "bench.qreq", "echo").Close()
	}
	nc := connect(url)
	defer nc.Close()
	perTask := count / requesters
	start, startCPU := time.Now(), cpuTime()
	var wg sync.WaitGroup
	for i := int64(0); i < requesters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := int64(0); j < perTask; j++ {
				_, err := nc.Request("bench.qreq", payload, requestTimeout)
				check(err, "request")
			}
		}()
	}
	wg.Wait()
	printCPU(start, startCPU)
	fmt.Printf("rate %.1f\n", float64(perTask*requesters)/time.Since(start).Seconds())
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintf(os.Stderr, "usage: %s publish|pubsub|request|concurrent URL COUNT [REQUESTERS]\n", os.Args[0])
		os.Exit(2)
	}
	scenario, url := os.Args[1], os.Args[2]
	count, err := strconv.ParseInt(os.Args[3], 10, 64)
	requesters := int64(64)
	if err == nil && len(os.Args) > 4 {
		requesters, err = strconv.ParseInt(os.Args[4], 10, 64)
	}
	if err != nil || count <= 0 || requesters <= 0 {
		fmt.Fprintln(os.Stderr, "nats.go: COUNT and REQUESTERS must be positive numbers")
		os.Exit(2)
	}
	switch scenario {
	case "publish":
		publish(url, count)
	case "pubsub":
		pubsub(url, count)
	case "request":
		request(url, count)
	case "concurrent":
		concurrent(url, count, requesters)
	default:
		fmt.Fprintf(os.Stderr, "nats.go: unknown scenario %s\n", scenario)
		os.Exit(2)
	}
	fmt.Println("done")
}
