package shared

// The purity test enforces STYLE R3 (CockroachDB dep_test.go style). It uses
// only the standard library so that it needs nothing installed, and it runs
// `go list`, so it skips itself where there is no go command (js, wasip1).

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "lattice"

// allowedStd is the stdlib allowlist for non-test files in shared/. `time`
// is there for time.Duration and its constants only; the syntax check
// catches the clock reads. hash/* and unicode/* are prefixes. crypto/sha256
// and crypto/hmac are pure functions of their input (CRDT.DIGEST, the mesh
// secret's proof); crypto/rand is not allowed.
var allowedStd = []string{
	"bytes", "cmp", "container/heap", "crypto/hmac", "crypto/sha256", "encoding/binary", "encoding/hex",
	"errors", "fmt", "hash", "hash/*", "iter", "maps", "math", "math/big",
	"math/bits", "slices", "sort", "strconv", "strings", "time", "unicode",
	"unicode/*",
}

// allowedExt are the non-stdlib imports allowed in shared/ besides
// lattice/shared/... (STYLE R1.3: uuid, wazero, websocket stay out).
var allowedExt = []string{"github.com/fxamacker/cbor/v2"}

// onlyIn lists imports allowed in one shared package and nowhere else.
var onlyIn = map[string]string{
	"math/rand/v2": "simtest", // test support: seeded PCG for simulations
}

// layers is STYLE R3's layer table: a package imports only packages of a
// strictly lower layer. A subpackage (shared/engine/x) has its parent's
// layer. simtest is test support, imported only by _test.go files.
var layers = map[string]int{
	"hlc": 1, "causal": 1,
	"codec": 2, "resp": 2,
	"crdt":   3,
	"engine": 4, "syncproto": 4,
	"abi":     5,
	"simtest": 6,
}

// bannedTime are the package time functions that read or wait on the
// clock, plus the two that read the host's zone database.
var bannedTime = []string{
	"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "NewTimer",
	"NewTicker", "Tick", "LoadLocation", "Local",
}

// shellRules says which module-local trees each shell must not import
// (STYLE R3). edge may reach the core only through the listed packages:
// the engine itself runs inside the wasm guest.
var shellRules = []struct {
	tree      string
	never     []string
	sharedOK  []string // nil: any shared package
	wasmBuild bool     // also list under wasip1 and js: wasm/replica is wasip1-only
}{
	{tree: "hub", never: []string{"edge", "wasm", "examples"}},
	{tree: "edge", never: []string{"hub", "wasm", "examples"},
		sharedOK: []string{"abi", "codec", "syncproto", "causal", "hlc", "resp"}},
	{tree: "wasm", never: []string{"hub", "edge", "examples"}, wasmBuild: true},
	{tree: "examples", never: []string{"wasm"}},
}

func skipWithoutGo(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skipf("purity checks run natively only: %s has no go command to list packages", runtime.GOOS)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("no go command in PATH: %v", err)
	}
}

// listImports returns import path → direct imports of the non-test files of
// the packages matching pattern, listed from the module root.
func listImports(t *testing.T, env []string, pattern string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-f",
		"{{.ImportPath}}\t{{join .Imports \" \"}}\t{{with .Error}}{{.Err}}{{end}}", pattern)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, stderr.Bytes())
	}
	pkgs := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", line)
		}
		if f[2] != "" {
			if strings.Contains(f[2], "build constraints exclude all Go files") ||
				strings.Contains(f[2], "no Go files") {
				continue
			}
			t.Errorf("go list %s: %s", f[0], f[2]) // an import cycle, say; check the rest anyway
		}
		pkgs[f[0]] = strings.Fields(f[1])
	}
	return pkgs
}

// sharedName returns "engine" for lattice/shared/engine/x, "" for others.
func sharedName(path string) string {
	rest, ok := strings.CutPrefix(path, module+"/shared/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != module
}

func matchAny(path string, patterns []string) bool {
	for _, p := range patterns {
		if p == path {
			return true
		}
		if prefix, ok := strings.CutSuffix(p, "/*"); ok && strings.HasPrefix(path, prefix+"/") {
			return true
		}
	}
	return false
}

// TestPurityImports checks every shared package's direct imports against
// the allowlist and the layer table.
func TestPurityImports(t *testing.T) {
	skipWithoutGo(t)
	pkgs := listImports(t, nil, "./shared/...")
	if len(pkgs) == 0 {
		t.Fatal("go list found no shared packages")
	}
	for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
		name := sharedName(pkg)
		if pkg == module+"/shared" {
			name = "" // this package: doc.go only
		}
		t.Run(strings.TrimPrefix(pkg, module+"/"), func(t *testing.T) {
			for _, err := range checkSharedImports(pkg, name, pkgs[pkg]) {
				t.Error(err)
			}
		})
	}
}

func checkSharedImports(pkg, name string, imports []string) []error {
	var errs []error
	layer, known := layers[name]
	if name != "" && !known {
		errs = append(errs, fmt.Errorf("%s is not in the layer table of shared/purity_test.go (STYLE R3): add it", pkg))
	}
	for _, imp := range imports {
		switch dep := sharedName(imp); {
		case onlyIn[imp] != "":
			if onlyIn[imp] != name {
				errs = append(errs, fmt.Errorf("%s imports %s, allowed only in shared/%s", pkg, imp, onlyIn[imp]))
			}
		case dep != "":
			if dep == name {
				continue // own subpackage
			}
			if dl, ok := layers[dep]; ok && known && dl >= layer {
				errs = append(errs, fmt.Errorf("%s (layer %d) imports %s (layer %d): layers import only downward", pkg, layer, imp, dl))
			}
		case isStd(imp):
			if !matchAny(imp, allowedStd) {
				errs = append(errs, fmt.Errorf("%s imports %s, which is not on shared/'s stdlib allowlist", pkg, imp))
			}
		case !matchAny(imp, allowedExt):
			errs = append(errs, fmt.Errorf("%s imports %s: shared/ imports only the stdlib allowlist, cbor and lattice/shared/...", pkg, imp))
		}
	}
	return errs
}

// TestPurityShells checks the direction between hub, edge, wasm and
// examples for the trees that exist, and that no non-test code outside
// shared/ links simtest.
func TestPurityShells(t *testing.T) {
	skipWithoutGo(t)
	for _, rule := range shellRules {
		t.Run(rule.tree, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("..", rule.tree)); err != nil {
				t.Skipf("no %s/ yet", rule.tree)
			}
			envs := [][]string{nil}
			if rule.wasmBuild {
				envs = append(envs, []string{"GOOS=wasip1", "GOARCH=wasm"}, []string{"GOOS=js", "GOARCH=wasm"})
			}
			seen := map[string]bool{}
			for _, env := range envs {
				pkgs := listImports(t, env, "./"+rule.tree+"/...")
				for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
					for _, imp := range pkgs[pkg] {
						err := checkShellImport(pkg, imp, rule.never, rule.sharedOK)
						if err != nil && !seen[err.Error()] {
							seen[err.Error()] = true
							t.Error(err)
						}
					}
				}
			}
		})
	}
}

func checkShellImport(pkg, imp string, never, sharedOK []string) error {
	rest, ok := strings.CutPrefix(imp, module+"/")
	if !ok {
		return nil
	}
	top, _, _ := strings.Cut(rest, "/")
	if slices.Contains(never, top) {
		return fmt.Errorf("%s imports %s: %s must never import %s/ (STYLE R3)", pkg, imp, strings.Split(strings.TrimPrefix(pkg, module+"/"), "/")[0], top)
	}
	if name := sharedName(imp); name == "simtest" {
		return fmt.Errorf("%s imports %s: simtest is test support, for _test.go files only", pkg, imp)
	} else if name != "" && sharedOK != nil && !slices.Contains(sharedOK, name) {
		return fmt.Errorf("%s imports %s: this shell reaches shared/ only through %v (STYLE R3)", pkg, imp, sharedOK)
	}
	return nil
}

// TestPuritySyntax parses every non-test .go file under shared/ and fails on
// go statements, select, channels and clock reads (STYLE R4.1, R4.3).
func TestPuritySyntax(t *testing.T) {
	skipWithoutGo(t)
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Errorf("parse %s: %v", path, err)
			continue
		}
		for _, msg := range impurities(fset, f) {
			t.Errorf("shared/%s", msg)
		}
	}
}

// impurities returns "file:line: what" for every impure construct in f.
func impurities(fset *token.FileSet, f *ast.File) []string {
	timeName := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "time" {
			timeName = "time"
			if imp.Name != nil {
				timeName = imp.Name.Name
			}
		}
	}
	var out []string
	report := func(n ast.Node, what string) {
		out = append(out, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), what))
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			report(n, "go statement (shared/ has no goroutines)")
		case *ast.SelectStmt:
			report(n, "select statement (shared/ never waits)")
		case *ast.ChanType:
			report(n, "channel type (shared/ never waits)")
		case *ast.SendStmt:
			report(n, "channel send (shared/ never waits)")
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				report(n, "channel receive (shared/ never waits)")
			}
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && timeName != "" && id.Name == timeName &&
				slices.Contains(bannedTime, n.Sel.Name) {
				report(n, "time."+n.Sel.Name+" (time is an argument: take now int64)")
			}
		}
		return true
	})
	return out
}

// TestPurityCheckers tests the checkers themselves on known-bad input, so a
// broken checker cannot pass silently.
func TestPurityCheckers(t *testing.T) {
	t.Parallel()
	syntax := []struct {
		name string
		src  string
		want int
	}{
		{name: "pure", src: "import \"time\"\nconst d = 3 * time.Second\nfunc f(now int64) int64 { return now }", want: 0},
		{name: "goroutine", src: "func f() { go f() }", want: 1},
		{name: "select and channel", src: "func f(c chan int) { select { case <-c: } }", want: 3},
		{name: "send", src: "func f(c chan<- int) { c <- 1 }", want: 2},
		{name: "clock read", src: "import \"time\"\nfunc f() { _ = time.Now(); time.Sleep(1) }", want: 2},
		{name: "renamed time", src: "import tm \"time\"\nvar g = tm.Since", want: 1},
		{name: "method named Now", src: "type c struct{}\nfunc (c) Now() {}\nfunc f(x c) { x.Now() }", want: 0},
	}
	for _, tc := range syntax {
		t.Run("syntax/"+tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "x.go", "package x\n"+tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := impurities(fset, f); len(got) != tc.want {
				t.Errorf("impurities = %q, want %d", got, tc.want)
			}
		})
	}
	imports := []struct {
		name    string
		pkg     string
		imports []string
		want    int
	}{
		{name: "allowed", pkg: "lattice/shared/crdt", imports: []string{"hash/fnv", "unicode/utf8", "lattice/shared/causal", "github.com/fxamacker/cbor/v2"}, want: 0},
		{name: "forbidden stdlib", pkg: "lattice/shared/crdt", imports: []string{"os", "sync", "reflect"}, want: 3},
		{name: "upward layer", pkg: "lattice/shared/crdt", imports: []string{"lattice/shared/engine"}, want: 1},
		{name: "same layer", pkg: "lattice/shared/engine", imports: []string{"lattice/shared/syncproto"}, want: 1},
		{name: "rand outside simtest", pkg: "lattice/shared/engine", imports: []string{"math/rand/v2"}, want: 1},
		{name: "rand in simtest", pkg: "lattice/shared/simtest", imports: []string{"math/rand/v2", "lattice/shared/engine"}, want: 0},
		{name: "third party", pkg: "lattice/shared/codec", imports: []string{"github.com/google/uuid"}, want: 1},
		{name: "shell", pkg: "lattice/shared/engine", imports: []string{"lattice/hub/node"}, want: 1},
		{name: "unknown package", pkg: "lattice/shared/misc", imports: nil, want: 1},
	}
	for _, tc := range imports {
		t.Run("imports/"+tc.name, func(t *testing.T) {
			if got := checkSharedImports(tc.pkg, sharedName(tc.pkg), tc.imports); len(got) != tc.want {
				t.Errorf("errors = %v, want %d", got, tc.want)
			}
		})
	}
	shells := []struct {
		name     string
		pkg, imp string
		never    []string
		sharedOK []string
		bad      bool
	}{
		{name: "edge to hub", pkg: "lattice/edge/host", imp: "lattice/hub/node", never: []string{"hub", "wasm"}, bad: true},
		{name: "edge to engine", pkg: "lattice/edge/host", imp: "lattice/shared/engine", sharedOK: []string{"abi"}, bad: true},
		{name: "edge to abi", pkg: "lattice/edge/host", imp: "lattice/shared/abi", sharedOK: []string{"abi"}},
		{name: "hub to simtest", pkg: "lattice/hub/node", imp: "lattice/shared/simtest", bad: true},
		{name: "wasm to engine", pkg: "lattice/wasm/replica", imp: "lattice/shared/engine", never: []string{"hub", "edge"}},
		{name: "stdlib", pkg: "lattice/wasm/replica", imp: "unsafe", never: []string{"hub", "edge"}},
	}
	for _, tc := range shells {
		t.Run("shells/"+tc.name, func(t *testing.T) {
			if err := checkShellImport(tc.pkg, tc.imp, tc.never, tc.sharedOK); (err != nil) != tc.bad {
				t.Errorf("error = %v, want bad=%v", err, tc.bad)
			}
		})
	}
}
