"""Prompt texts of the published recipes, kept verbatim as data (they are what makes a run "as published").

Sources: ise-uiuc/magicoder (src/magicoder/generate_data.py, data/prompt.txt, src/magicoder/prompt_template.py) and
microsoft/WaveCoder (src/data/llm_gen_dis/: prompt/*.txt, fewshot_case/*, main.py, utils.py). Our own code uses them;
nothing here is executed from those projects.
"""

# flake8: noqa: E501

# generate_data.py: the system turn of every OSS-Instruct request.
MAGICODER_SYSTEM = (
    "You are exceptionally skilled at crafting high-quality programming problems and offering precise solutions."
)
# prompt_template.py SRC_INSTRUCT_INSTRUCTION_PROMPT: how the stored instruction wraps the problem.
MAGICODER_INSTRUCTION = "Write a solution to the following coding problem:\n{problem}"
# utils.py make_request: the system turn of every generator and discriminator request.
WAVECODER_SYSTEM = "You are an AI assistant that helps people find information."
# main.py few_shot_task_gen: the headings of the pools' few-shot sections.
WAVECODER_GOOD_HEADING = "Here are some good examples:\n"
WAVECODER_BAD_HEADING = "Here are some bad examples. In each example, I also provide an <Analysis> pointing out the reasons why the case is not good. Please do not generate data like this.\n"
# data/prompt.txt: the user turn; `{code}` is the seed snippet
MAGICODER_PROMPT = (
    "Please gain inspiration from the following random code snippet to create a high-quality programming problem. Present your output in two distinct sections: [Problem Description] and [Solution].\n"
    "\n"
    "Code snippet for inspiration:\n"
    "```\n"
    "{code}\n"
    "```\n"
    "\n"
    "Guidelines for each section:\n"
    "\n"
    "1. [Problem Description]: This should be **completely self-contained**, providing all the contextual information one needs to understand and solve the problem. Assume common programming knowledge, but ensure that any specific context, variables, or code snippets pertinent to this problem are explicitly included.\n"
    "\n"
    "2. [Solution]: Offer a comprehensive, **correct** solution that accurately addresses the [Problem Description] you provided."
)
# src/data/llm_gen_dis/prompt/generator.txt
WAVECODER_GENERATOR = (
    "Translate a given task summary into a functional code. Each generated case needs to be provided with the following keys:\n"
    "task_name, instruction, information, solution. Your response should be formatted using spaces. \n"
    "Here are some requirements you should allowed:\n"
    "1. Each generated case needs to be provided with the following keys:task_name, instruction, information, solution. \n"
    "2. The solution is a specific resolution addressing instructions and information; therefore, a solution must be relevant to both instructions and information.\n"
    "3. The instruction should be one or two sentences.\n"
    "4. The code in solution should import the neccessary library you need, like math, functools, etc. \n"
    "5. The code that do contain algorithmic logic in solution should not often buried inside complex or poorly documented functions, making them difficult to follow or learn from. \n"
    "{good_few_shot}\n"
    "{bad_few_shot}\n"
    "Input: \n"
    "{input}\n"
    "Output:"
)
# src/data/llm_gen_dis/prompt/discriminator.txt
WAVECODER_DISCRIMINATOR = (
    "Please analyze and judge whether the data meets the specifications according to the following rules:\n"
    'Let\'s go through each requirement step by step. If the requirement is met, enter "yes" after the requirement; otherwise, enter "no".\n'
    "- step 1: check the Instruction:\n"
    "1.Instruction: the programming language should be specified in the instruction. <answer (yes/no), reason>\n"
    "- step 2: check the Solution:\n"
    "1. Solution: Solution is related to instruction and information. Solution is the specific resolution to instruction and information. <answer (yes/no), reason>\n"
    "2. Solution: In the solution, it should only contain the code and comments within the code. There should be no explanations provided outside the code. <answer (yes/no), reason>\n"
    "3. Solution: The code that do contain algorithmic logic in solution should not often buried inside complex or poorly documented functions, making them difficult to follow or learn from. <answer (yes/no), reason>\n"
    "4. Solution: The code should import the required necessary libraries. <answer (yes/no),reason>\n"
    '- Overall answer: <If the data meets all the requirements, the overall evaluation is "yes"; otherwise, it is "no".>\n'
    "- reasons: <The reason mentioned in the analysis process of the above requirements.>\n"
    "\n"
)
# the good pool's first case (fewshot_case/good_case/good_case_0.txt)
WAVECODER_GOOD_CASE = (
    "Input:\n"
    "The Python code calculates the area of a circle given its radius.\n"
    "Output:\n"
    "task_name: Calculate Circle Area\n"
    "instruction: Write a Python function that calculates the area of a circle given its radius.\n"
    "information: The formula to calculate the area of a circle is A = pi * r^2, where A is the area and r is the radius.\n"
    "solution:\n"
    "\n"
    "import math\n"
    "\n"
    "def area_of_circle(radius):\n"
    "    return math.pi * radius ** 2\n"
    "\n"
    "Analysis:\n"
    "\n"
    "- step 1: check the Instruction:\n"
    '1. Instruction: the programming language should be specified in the instruction. <answer: yes,The instruction mentions "Write a Python function," which clearly specifies the programming language as Python.>\n'
    "- step 2: check the Solution:\n"
    "1. Solution: Solution is related to instruction and information. Solution is the specific resolution to instruction and information. <answer: yes,The solution provided calculates the area of a circle given its radius, which is directly related to the instruction and the information provided.>\n"
    "2. Solution: In the solution, it should only contain the code and comments within the code. There should be no explanations provided outside the code. <answer: yes,The solution only contains the code without any explanations outside the code. Comments within the code are not present, but the code is straightforward and easy to understand.>\n"
    "3.Solution: The code that do contain algorithmic logic in solution should not often buried inside complex or poorly documented functions, making them difficult to follow or learn from. <answer: yes,The code that contains algorithmic logic in the solution should not often be buried inside complex or poorly documented functions, making them difficult to follow or learn from.>\n"
    "4. Solution: The code should import the required necessary libraries. <answer: yes,The code imports the necessary math library, which is required for calculating the area of a circle using the mathematical constant pi.>\n"
    "- Overall answer: yes\n"
    "- reasons: All the requirements are met as per the given rules. The programming language is specified, and the solution is related to the instruction and information. The code is simple, easy to follow, and imports the necessary library. The solution provided is a good example of a well-structured and concise code that meets the task's specifications."
)
# the bad pool's first case (fewshot_case/bad_case/bad_case_0.txt)
WAVECODER_BAD_CASE = (
    "\n"
    "Input:The Python code calculates the diameter of a pipe (DN) based on the flow rate (Q), velocity (V), and dynamic viscosity (mu) using a mathematical formula.\n"
    "\n"
    "Output:\n"
    "\n"
    "task_name: Calculate pipe diameter\n"
    "instruction: Write a Python function to calculate the diameter of a pipe based on the flow rate, velocity, and dynamic viscosity.\n"
    "information: The formula to calculate the diameter of a pipe (DN) is DN = (4 * Q / (math.pi * V * mu)) ** 0.5, where Q is the flow rate, V is the velocity, and mu is the dynamic viscosity.\n"
    "solution:\n"
    "\n"
    "def calculate_pipe_diameter(Q, V, mu):\n"
    "    DN = (4 * Q / (math.pi * V * mu)) ** 0.5\n"
    "    return DN\n"
    "\n"
    "Analysis:\n"
    "\n"
    "- step 1: check the Instruction:\n"
    '1. Instruction: the programming language should be specified in the instruction. <answer: yes, The instruction mentions "Write a Python function," which clearly specifies the programming language as Python.>\n'
    "- step 2: check the Solution:\n"
    "1. Solution: Solution is related to instruction and information. Solution is the specific resolution to instruction and information. <answer: yes, The solution provided calculates the diameter of a pipe based on the flow rate, velocity, and dynamic viscosity, which is directly related to the instruction and the information provided.>\n"
    "2. Solution: In the solution, it should only contain the code and comments within the code. There should be no explanations provided outside the code. <answer: yes, The solution only contains the code without any explanations outside the code. Comments within the code are not present, but the code is straightforward and easy to understand.>\n"
    "3. Solution: The code that do contain algorithmic logic in solution should not often be buried inside complex or poorly documented functions, making them difficult to follow or learn from. <answer: yes, The code is simple and not buried inside complex or poorly documented functions, making it easy to follow and learn from.>\n"
    "4. Solution: The code should import the necessary libraries if required. <answer: no, The code does not import the necessary math library, which is required for calculating the diameter of a pipe using the mathematical constant pi.>\n"
    "- Overall answer: no\n"
    "- reasons: The code meets most of the requirements, but it does not import the necessary math library, which is required for calculating the diameter of a pipe using the mathematical constant pi.\n"
)
