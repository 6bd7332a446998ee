"""What the HQ pages read: the inspection log and one inspection, a crate's history, depot
dashboards, review pages, exports, answers as people read them."""
