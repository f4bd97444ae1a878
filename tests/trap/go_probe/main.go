// SPDX-License-Identifier: MIT
//
// A Go program for the trap's suite: Go makes its own system calls, so
// the shim never sees them. Standard library only (no network at build).
//
//	go_probe families DIR   the os package's file calls in DIR
//	go_probe race DIR       goroutines racing on os.MkdirTemp in DIR
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

func say(what string, err error) bool {
	if err == nil {
		fmt.Printf("%s: ok\n", what)
		return true
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		fmt.Printf("%s: errno %d\n", what, int(errno))
	} else {
		fmt.Printf("%s: %T\n", what, err)
	}
	return false
}

func families(dir string) {
	say("MkdirAll", os.MkdirAll(dir+"/a/b", 0755))
	say("WriteFile", os.WriteFile(dir+"/f", []byte("hello"), 0640))
	data, err := os.ReadFile(dir + "/f")
	say("ReadFile", err)
	fmt.Printf("  '%s'\n", data)
	tmp, err := os.MkdirTemp(dir, "t")
	say("MkdirTemp", err)
	fmt.Printf("  prefix ok %v\n", strings.HasPrefix(tmp, dir+"/t"))
	f, err := os.CreateTemp(dir, "c*.txt")
	say("CreateTemp", err)
	if err == nil {
		f.WriteString("x")
		f.Close()
		say("Remove temp file", os.Remove(f.Name()))
	}
	st, err := os.Stat(dir + "/f")
	if say("Stat", err) {
		fmt.Printf("  size %d mode %v\n", st.Size(), st.Mode())
	}
	_, err = os.Stat(dir + "/missing")
	fmt.Printf("Stat missing: not exist %v\n", errors.Is(err, fs.ErrNotExist))
	say("Rename", os.Rename(dir+"/f", dir+"/g"))
	say("Symlink", os.Symlink(dir+"/g", dir+"/l"))
	target, err := os.Readlink(dir + "/l")
	say("Readlink", err)
	fmt.Printf("  '%s'\n", target)
	lst, err := os.Lstat(dir + "/l")
	if say("Lstat", err) {
		fmt.Printf("  mode %v size %d\n", lst.Mode()&fs.ModeType, lst.Size())
	}
	say("Link", os.Link(dir+"/g", dir+"/h"))
	say("Chmod", os.Chmod(dir+"/g", 0600))
	say("Truncate", os.Truncate(dir+"/g", 2))
	data, _ = os.ReadFile(dir + "/h")
	fmt.Printf("  via link '%s'\n", data)
	say("Chdir", os.Chdir(dir))
	wd, err := os.Getwd()
	say("Getwd", err)
	fmt.Printf("  '%s'\n", wd)
	say("relative WriteFile", os.WriteFile("rel", []byte("r"), 0600))
	_, err = os.Stat(dir + "/rel")
	say("  absolute Stat", err)
	say("Chdir relative", os.Chdir("a/b"))
	say("relative Mkdir", os.Mkdir("c", 0700))
	_, err = os.Stat(dir + "/a/b/c")
	say("  absolute Stat", err)
	say("Chdir /", os.Chdir("/"))
	entries, err := os.ReadDir(dir)
	say("ReadDir", err)
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "t") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	fmt.Printf("  %v\n", names)
	var walked []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			walked = append(walked, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	fmt.Printf("WalkDir: %d entries\n", len(walked))
	say("RemoveAll", os.RemoveAll(dir))
	_, err = os.Stat(dir)
	fmt.Printf("gone %v\n", errors.Is(err, fs.ErrNotExist))
}

func race(dir string) {
	os.Mkdir(dir, 0700)
	var mu sync.Mutex
	seen := map[string]bool{}
	errs := 0
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				d, err := os.MkdirTemp(dir, "r")
				mu.Lock()
				if err != nil || seen[d] {
					errs++
				}
				seen[d] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	fmt.Printf("race: %d unique, %d listed, %d errors\n", len(seen), len(entries), errs)
	say("RemoveAll", os.RemoveAll(dir))
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go_probe families|race DIR")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "families":
		families(os.Args[2])
	case "race":
		race(os.Args[2])
	default:
		os.Exit(2)
	}
	// Left behind on purpose: reaped with a private /tmp, found in the real one.
	os.WriteFile(os.Args[2]+".kept", nil, 0600)
}
