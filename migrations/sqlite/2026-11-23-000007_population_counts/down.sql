DROP TABLE population_counts;
