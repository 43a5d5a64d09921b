e = 
