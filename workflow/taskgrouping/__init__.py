"""taskgrouping: which tasks to train together, from sample-wise optimisation landscapes.

Reference: Thakur et al., "Efficient Task Grouping Through Sample-wise Optimisation
Landscape Analysis", arXiv 2412.04413.
"""

__version__ = "0.1.0"
