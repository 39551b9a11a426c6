package reports

import "fmt"

// Publish is a run's whole report step: Build dirs with opts, write formats
// into out (WriteAll), and append the run to the history file given with
// WithHistory, if any. The history is appended after the files are
// written, so a run whose report could not be written is not in it. The
// report and the paths written so far come back also with a write or
// history error; errors about inputs are Build's (*InputError).
func Publish(dirs []string, out string, formats []string, opts ...Option) (*Report, []string, error) {
	r, err := Build(dirs, opts...)
	if err != nil {
		return nil, nil, err
	}
	paths, err := r.WriteAll(out, formats)
	if err != nil {
		return r, paths, fmt.Errorf("write report: %w", err)
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.historyPath != "" {
		if err := r.AppendHistory(cfg.historyPath); err != nil {
			return r, paths, fmt.Errorf("append history: %w", err)
		}
	}
	return r, paths, nil
}
