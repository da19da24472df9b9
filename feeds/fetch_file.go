package feeds

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
)

// fetchFile reads a feed from a local file, so the example config works
// offline. The file's modification time plays Last-Modified.
func (f *Fetcher) fetchFile(path string, cond Conditional) (*Response, error) {
	if f.opts.DenyFiles {
		return nil, fmt.Errorf("%s: %w", path, ErrFilesDenied)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("feed file %s: %w", path, err)
	}
	file, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("feed file: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("feed file: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("feed file %s is a directory", abs)
	}
	out := &Response{
		FinalURL:     (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(),
		LastModified: st.ModTime().UTC().Format(http.TimeFormat),
	}
	if cond.LastModified != "" && cond.LastModified == out.LastModified {
		out.NotModified = true
		return out, nil
	}
	if st.Size() > f.opts.MaxBody {
		return nil, &TooLargeError{Limit: f.opts.MaxBody}
	}
	body, err := readCapped(file, f.opts.MaxBody)
	if err != nil {
		return nil, fmt.Errorf("feed file %s: %w", abs, err)
	}
	out.Body = body
	return out, nil
}
