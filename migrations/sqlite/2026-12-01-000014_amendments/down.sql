DROP TABLE amendment_steps;
DROP TABLE amendments;
