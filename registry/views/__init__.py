"""Web pages: the map, the tiles it draws from, and the pages."""
