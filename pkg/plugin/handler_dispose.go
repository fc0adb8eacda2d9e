package plugin

// Dispose stops scraping and releases the store and idle connections. The SDK calls it a few
// seconds after a settings change has created the replacement instance; the store registry
// keeps the database open for that replacement.
func (d *Datasource) Dispose() {
	d.collector.Stop()
	if err := d.store.Close(); err != nil {
		d.logger.Error("could not close the store", "error", err)
	}
	if err := d.snapshots.Close(); err != nil {
		d.logger.Error("could not close the snapshot store", "error", err)
	}
	d.client.CloseIdleConnections()
}
