package node

import (
	"fmt"
	"net/http"
)

// httpHandler serves the HTTP listener: /healthz now; /metrics and the
// WebSocket endpoints join it.
func (n *Node) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return mux
}
